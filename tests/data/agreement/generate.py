#!/usr/bin/env python3
"""Writes fixtures.json: agreement cases with the figures the reference
statistics libraries give for them. tests/agreement.rs reads the JSON and
checks Weft's figures to 1e-9, so CI needs no Python.

Reference libraries (pinned; see requirements.txt):
  percent agreement, Cohen's kappa, F1, Jaccard  scikit-learn, on 0/1 vectors
                                                 per unit (pooled = concatenated)
  Fleiss' kappa, Brennan-Prediger                statsmodels (method='randolph')
  Krippendorff's alpha (nominal)                 krippendorff.alpha, NaN = missing
  unitized alpha (|u-alpha, coded vs gaps)       krippendorff-unitized-alpha, fed
                                                 complete partitions (gaps tagged
                                                 "_empty"); documents pooled by
                                                 adding its l matrices and S terms

Rules the cases follow (the same as Weft's, written out here independently):
  - a unit is a code point, a sentence, a paragraph (non-blank line, trimmed) or
    the whole document; a coder codes a unit when one of their segments of the
    code (or of its children / descendants) touches one of its characters;
  - a coder takes part in a document when they coded anything in it; elsewhere
    their values are missing;
  - pair rows use the documents where both take part; the all-coder row (three
    or more coders) uses the documents where all take part for percent
    agreement, Fleiss and Brennan-Prediger, and every coder there for the alphas.

Run:  python3 -m venv venv && venv/bin/pip install -r requirements.txt
      venv/bin/pip install --no-deps krippendorff-unitized-alpha==0.1.0
      venv/bin/python generate.py > fixtures.json
"""

import json
import math
import random
import sys
import warnings

import numpy as np
import krippendorff
import krippendorff_unitized_alpha as kua_pkg
from krippendorff_unitized_alpha.krippendorffs_unitized_alpha import (
    EMPTY_TAG,
    KrippendorffUnitizedAlpha,
    Segment,
)
import sklearn
import statsmodels
from sklearn.metrics import cohen_kappa_score, f1_score, jaccard_score, accuracy_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

warnings.filterwarnings("ignore")

MEASURES = [
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "brennan_prediger",
    "krippendorff_alpha",
    "unitized_alpha",
    "f1",
    "jaccard",
]


def clean(v):
    """None for the reference's nan / inf (undefined)."""
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else v


# ---- units ---------------------------------------------------------------

CLOSING = set(".!?…\"'”’)]")


def sentence_spans(text):
    spans = []
    pos = 0
    for line in text.split("\n"):
        ends = []
        i = 0
        while i < len(line):
            if line[i] in ".!?…":
                j = i + 1
                while j < len(line) and line[j] in CLOSING:
                    j += 1
                if j == len(line) or line[j].isspace():
                    ends.append(j)
                i = j
            else:
                i += 1
        start = 0
        for e in ends + [len(line)]:
            piece = line[start:e]
            lead = len(piece) - len(piece.lstrip())
            if lead < len(piece):
                spans.append((pos + start + lead, pos + e))
            start = e
        pos += len(line) + 1
    return spans


def paragraph_spans(text):
    spans = []
    pos = 0
    for line in text.split("\n"):
        body = line.rstrip()
        lead = len(body) - len(body.lstrip())
        if body.strip():
            spans.append((pos + lead, pos + len(body)))
        pos += len(line) + 1
    return spans


def units_of(text, unit):
    if unit == "character":
        return [(i, i + 1) for i in range(len(text))]
    if unit == "sentence":
        return sentence_spans(text)
    if unit == "paragraph":
        return paragraph_spans(text)
    return [(0, max(len(text), 1))]


# ---- one case -----------------------------------------------------------


def code_set(codes, path, include):
    if include == "exact":
        return {path}
    if include == "children":
        return {path} | {c for c in codes if c.rsplit("/", 1)[0] == path and "/" in c}
    return {path} | {c for c in codes if c.startswith(path + "/")}


def vector(case, doc, coder, paths):
    text = case["docs"][doc]
    units = units_of(text, case["options"]["unit"])
    segs = [
        (s["start"], s["end"])
        for s in case["segments"]
        if s["doc"] == doc and s["coder"] == coder and s["code"] in paths
    ]
    return [int(any(s < ue and e > us for s, e in segs)) for us, ue in units]


def runs_partition(v):
    """A complete partition of the units: coded runs and explicit gaps."""
    out = []
    i = 0
    while i < len(v):
        j = i
        while j < len(v) and v[j] == v[i]:
            j += 1
        out.append(Segment("code" if v[i] else EMPTY_TAG, i, j))
        i = j
    return out


def unitized(per_doc):
    """per_doc: list of {coder: 0/1 vector} (one dict per document)."""
    tags = ["code", EMPTY_TAG]
    l = np.zeros((2, 2))
    s_terms = {t: 0.0 for t in tags}
    used = 0
    for vectors in per_doc:
        if len(vectors) < 2 or not any(len(v) for v in vectors.values()):
            continue
        data = {c: runs_partition(v) for c, v in vectors.items()}
        k = KrippendorffUnitizedAlpha(data)
        for c in k.tag_set:
            for kk in k.tag_set:
                l[tags.index(c), tags.index(kk)] += k.observed_coincidence_matrix_[
                    k.tag_2_pos[c], k.tag_2_pos[kk]
                ]
        for segs in data.values():
            for s in segs:
                s_terms[s.tag] += s.length if s.tag == EMPTY_TAG else s.length**2
        used += 1
        single = k.result
    if used == 0:
        return None
    if used == 1:
        return clean(single)
    # The package's formulas on the summed l matrix and S terms.
    ldd = l.sum()
    lc = l.sum(axis=1)
    lk = l.sum(axis=0)
    den = ldd**2 - sum(s_terms.values())
    if den == 0:
        return None
    expected = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            expected[i, j] = ldd * (lc[i] * lk[j] - (s_terms[tags[i]] if i == j else 0)) / den
    observed = ldd - np.trace(l)
    exp = ldd - np.trace(expected)
    if exp == 0:
        return None
    return clean(1 - observed / exp)


def pair_figures(contribs, i, j, coders):
    """contribs: list of (units, {coder: vector}) for one row."""
    ci, cj = coders[i], coders[j]
    x, y, per_doc = [], [], []
    for vectors in contribs:
        if ci in vectors and cj in vectors:
            x += vectors[ci]
            y += vectors[cj]
            per_doc.append({ci: vectors[ci], cj: vectors[cj]})
    n = len(x)
    a = sum(1 for p, q in zip(x, y) if p and q)
    b = sum(1 for p, q in zip(x, y) if p and not q)
    c = sum(1 for p, q in zip(x, y) if q and not p)
    d = n - a - b - c
    f = {m: None for m in MEASURES}
    counts = {"units": n, "both": a, "only_first": b, "only_second": c, "neither": d}
    if n == 0:
        return counts, f
    f["percent_agreement"] = clean(accuracy_score(x, y))
    f["cohen_kappa"] = clean(cohen_kappa_score(x, y))
    table = aggregate_raters(np.column_stack([x, y]), n_cat=2)[0]
    f["fleiss_kappa"] = clean(fleiss_kappa(table))
    f["brennan_prediger"] = clean(fleiss_kappa(table, method="randolph"))
    try:
        f["krippendorff_alpha"] = clean(
            krippendorff.alpha(reliability_data=np.array([x, y], dtype=float),
                               level_of_measurement="nominal"))
    except Exception:
        f["krippendorff_alpha"] = None
    f["unitized_alpha"] = unitized(per_doc)
    if a + b + c > 0:
        f["f1"] = clean(f1_score(x, y, zero_division=np.nan))
        f["jaccard"] = clean(jaccard_score(x, y))
    return counts, f


def all_figures(contribs, coders, pair_kappas):
    m = len(coders)
    full = [v for v in contribs if all(c in v for c in coders)]
    cols = [sum((v[c] for v in full), []) for c in coders]
    n = len(cols[0])
    f = {k: None for k in MEASURES}
    defined = [k for k in pair_kappas if k is not None]
    f["cohen_kappa"] = sum(defined) / len(defined) if defined else None
    both = sum(1 for u in range(n) if all(col[u] for col in cols))
    neither = sum(1 for u in range(n) if not any(col[u] for col in cols))
    counts = {"units": n, "both": both, "neither": neither}
    if n > 0:
        f["percent_agreement"] = (both + neither) / n
        table = aggregate_raters(np.column_stack(cols), n_cat=2)[0]
        f["fleiss_kappa"] = clean(fleiss_kappa(table))
        f["brennan_prediger"] = clean(fleiss_kappa(table, method="randolph"))
    # Alpha: every unit of every document, NaN where a coder is missing.
    rows = [[] for _ in coders]
    for v in contribs:
        if sum(1 for c in coders if c in v) < 2:
            continue
        length = len(next(iter(v.values())))
        for k, c in enumerate(coders):
            rows[k] += v[c] if c in v else [np.nan] * length
    if rows[0]:
        try:
            f["krippendorff_alpha"] = clean(krippendorff.alpha(
                reliability_data=np.array(rows, dtype=float),
                level_of_measurement="nominal"))
        except Exception:
            f["krippendorff_alpha"] = None
    f["unitized_alpha"] = unitized([v for v in contribs if len(v) >= 2])
    return counts, f


def rows_for(contribs, coders, code, document):
    out = []
    kappas = []
    for i in range(len(coders)):
        for j in range(i + 1, len(coders)):
            counts, f = pair_figures(contribs, i, j, coders)
            kappas.append(f["cohen_kappa"])
            out.append({"code": code, "document": document,
                        "coders": coders[i] + "+" + coders[j],
                        "counts": counts, "figures": f})
    if len(coders) >= 3:
        counts, f = all_figures(contribs, coders, kappas)
        out.append({"code": code, "document": document, "coders": "+".join(coders),
                    "counts": counts, "figures": f})
    return out


def means(per_doc_rows, code):
    out = []
    for k, template in enumerate(per_doc_rows[0]):
        for label, weighted in [("(mean of documents, weighted by size)", True),
                                ("(mean of documents, unweighted)", False)]:
            f = {}
            for m in MEASURES:
                num = den = 0.0
                for rows in per_doc_rows:
                    r = rows[k]
                    units = r["counts"]["units"]
                    v = r["figures"][m]
                    if v is not None and units > 0:
                        w = units if weighted else 1
                        num += w * v
                        den += w
                f[m] = num / den if den > 0 else None
            out.append({"code": code, "document": label, "coders": template["coders"],
                        "figures": f})
    return out


def expected(case):
    opts = case["options"]
    coders = case["coders"]
    docs = opts.get("docs") or list(case["docs"].keys())
    codes = opts.get("codes") or case["codes"]
    present = {d: {s["coder"] for s in case["segments"] if s["doc"] == d and s["coder"] in coders}
               for d in case["docs"]}
    out = {"by_code_document": [], "by_code": [], "by_document": [], "overall": []}
    per_doc_all = {d: [] for d in docs}
    everything = []
    for code in codes:
        paths = code_set(case["codes"], code, opts["include"])
        per_code = []
        per_doc_rows = []
        for d in docs:
            vectors = {c: vector(case, d, c, paths) for c in coders if c in present[d]}
            per_code.append(vectors)
            per_doc_all[d].append(vectors)
            everything.append(vectors)
            rows = rows_for([vectors], coders, code, d)
            per_doc_rows.append(rows)
            out["by_code_document"] += rows
        out["by_code"] += rows_for(per_code, coders, code, "(all)")
        out["by_code"] += means(per_doc_rows, code)
    for d in docs:
        out["by_document"] += rows_for(per_doc_all[d], coders, "(all)", d)
    out["overall"] = rows_for(everything, coders, "(all)", "(all)")
    return out


# ---- the cases -----------------------------------------------------------

WORDS = ["we", "talked", "about", "the", "group", "every", "week", "and", "it", "helped",
         "my", "mentor", "called", "late", "court", "was", "hard", "café", "naïve",
         "😀", "家族", "e\u0301te\u0301", "support", "money", "bus", "kids"]


def random_text(rng, words):
    out = []
    for k in range(words):
        w = rng.choice(WORDS)
        out.append(w)
        r = rng.random()
        if r < 0.12:
            out.append(rng.choice([".", "!", "?", "…"]) + ("\n" if rng.random() < 0.4 else " "))
        elif r < 0.16:
            out.append("\n")
        else:
            out.append(" ")
    return "".join(out).strip() + "."


def random_case(rng, k):
    ndocs = rng.randint(1, 3)
    docs = {f"D{i + 1}": random_text(rng, rng.randint(3, 40)) for i in range(ndocs)}
    coders = ["ana", "ben", "cy"][: rng.choice([2, 2, 2, 3])]
    codes = rng.choice([["X"], ["X", "Y"], ["X", "X/a", "X/a/b", "Y"]])
    unit = rng.choice(["character"] * 5 + ["sentence", "paragraph", "document"])
    include = rng.choice(["exact", "children", "descendants"])
    segments = []
    for d, text in docs.items():
        for c in coders:
            if rng.random() < 0.15:
                continue  # this coder never touched this document
            for _ in range(rng.randint(1, 4)):
                s = rng.randrange(0, len(text))
                e = rng.randint(s + 1, min(len(text), s + 1 + rng.randint(1, 30)))
                segments.append({"doc": d, "coder": c, "code": rng.choice(codes),
                                 "start": s, "end": e})
    return {"name": f"random {k}", "docs": docs, "coders": coders, "codes": codes,
            "segments": segments, "options": {"unit": unit, "include": include}}


def fixed_cases():
    filler = ("a quiet kitchen table where we talked " * 30)[:1000]
    cases = []
    cases.append({
        "name": "NVivo's worked example",
        "docs": {"D1": filler}, "coders": ["A", "B"], "codes": ["X"],
        "segments": [
            {"doc": "D1", "coder": "A", "code": "X", "start": 0, "end": 150},
            {"doc": "D1", "coder": "B", "code": "X", "start": 0, "end": 50},
            {"doc": "D1", "coder": "B", "code": "X", "start": 150, "end": 200},
        ],
        "options": {"unit": "character", "include": "exact"},
    })
    lines = [f"line {i} of the talk" for i in range(10)]
    text = "\n".join(lines)
    starts = [sum(len(l) + 1 for l in lines[:i]) for i in range(10)]

    def line_segs(coder, bits):
        return [{"doc": "D1", "coder": coder, "code": "X", "start": starts[i],
                 "end": starts[i] + len(lines[i])} for i, b in enumerate(bits) if b == "1"]

    cases.append({
        "name": "ATLAS.ti's ten-unit example",
        "docs": {"D1": text}, "coders": ["c1", "c2"], "codes": ["X"],
        "segments": line_segs("c1", "1100000000") + line_segs("c2", "0110010100"),
        "options": {"unit": "paragraph", "include": "exact"},
    })
    t = ("word " * 20).strip()
    cases.append({
        "name": "unitized alpha depends on merged runs",
        "docs": {"D1": ("x" * 100)}, "coders": ["A", "B"], "codes": ["X"],
        "segments": [
            {"doc": "D1", "coder": "A", "code": "X", "start": 10, "end": 30},
            {"doc": "D1", "coder": "A", "code": "X", "start": 50, "end": 60},
            {"doc": "D1", "coder": "B", "code": "X", "start": 10, "end": 20},
            {"doc": "D1", "coder": "B", "code": "X", "start": 20, "end": 30},
            {"doc": "D1", "coder": "B", "code": "X", "start": 55, "end": 65},
        ],
        "options": {"unit": "character", "include": "exact"},
    })
    cases.append({
        "name": "degenerate: nobody coded the code, one coder coded all, one coder absent",
        "docs": {"D1": t, "D2": t, "D3": t}, "coders": ["A", "B"], "codes": ["X", "Y"],
        "segments": [
            {"doc": "D1", "coder": "A", "code": "Y", "start": 0, "end": 4},
            {"doc": "D1", "coder": "B", "code": "Y", "start": 0, "end": 4},
            {"doc": "D2", "coder": "A", "code": "X", "start": 0, "end": len(t)},
            {"doc": "D2", "coder": "B", "code": "Y", "start": 3, "end": 9},
            {"doc": "D3", "coder": "A", "code": "X", "start": 0, "end": 9},
        ],
        "options": {"unit": "character", "include": "exact"},
    })
    cases.append({
        "name": "both coded everything",
        "docs": {"D1": t}, "coders": ["A", "B"], "codes": ["X"],
        "segments": [
            {"doc": "D1", "coder": "A", "code": "X", "start": 0, "end": len(t)},
            {"doc": "D1", "coder": "B", "code": "X", "start": 0, "end": len(t)},
        ],
        "options": {"unit": "character", "include": "exact"},
    })
    cases.append({
        "name": "one coder's overlapping and adjacent segments",
        "docs": {"D1": t}, "coders": ["A", "B"], "codes": ["X"],
        "segments": [
            {"doc": "D1", "coder": "A", "code": "X", "start": 0, "end": 10},
            {"doc": "D1", "coder": "A", "code": "X", "start": 5, "end": 20},
            {"doc": "D1", "coder": "A", "code": "X", "start": 20, "end": 30},
            {"doc": "D1", "coder": "B", "code": "X", "start": 8, "end": 40},
            {"doc": "D1", "coder": "B", "code": "X", "start": 8, "end": 12},
        ],
        "options": {"unit": "character", "include": "exact"},
    })
    three = "We met at the centre. She listened!\nThen the bus came. 家族 was there…\nEnd."
    segs = []
    for coder, ranges in {"A": [(0, 20), (40, 60)], "B": [(3, 25)], "C": [(0, 5), (50, 70)]}.items():
        for s, e in ranges:
            segs.append({"doc": "D1", "coder": coder, "code": "X", "start": s, "end": e})
    for unit in ["character", "sentence", "paragraph"]:
        cases.append({"name": f"three coders by {unit}", "docs": {"D1": three},
                      "coders": ["A", "B", "C"], "codes": ["X"], "segments": segs,
                      "options": {"unit": unit, "include": "exact"}})
    tree_segs = [
        {"doc": "D1", "coder": "A", "code": "P", "start": 0, "end": 10},
        {"doc": "D1", "coder": "A", "code": "P/c", "start": 20, "end": 30},
        {"doc": "D1", "coder": "A", "code": "P/c/g", "start": 40, "end": 50},
        {"doc": "D1", "coder": "B", "code": "P/c", "start": 0, "end": 12},
        {"doc": "D1", "coder": "B", "code": "P/c/g", "start": 22, "end": 48},
    ]
    for include in ["exact", "children", "descendants"]:
        cases.append({"name": f"parent codes, {include}", "docs": {"D1": "y" * 60},
                      "coders": ["A", "B"], "codes": ["P", "P/c", "P/c/g"],
                      "segments": tree_segs, "options": {"unit": "character", "include": include}})
    edges = "😀 e\u0301 家族 talk 😀😀 ok\u0301 家"
    cases.append({
        "name": "emoji, combining accents and CJK at segment edges",
        "docs": {"D1": edges}, "coders": ["A", "B"], "codes": ["X"],
        "segments": [
            {"doc": "D1", "coder": "A", "code": "X", "start": 0, "end": 1},
            {"doc": "D1", "coder": "A", "code": "X", "start": 2, "end": 4},
            {"doc": "D1", "coder": "B", "code": "X", "start": 3, "end": 7},
            {"doc": "D1", "coder": "B", "code": "X", "start": 13, "end": len(edges)},
        ],
        "options": {"unit": "character", "include": "exact"},
    })
    cases.append({
        "name": "scope: some codes and documents",
        "docs": {"D1": t, "D2": t}, "coders": ["A", "B"], "codes": ["X", "Y"],
        "segments": [
            {"doc": "D1", "coder": "A", "code": "X", "start": 0, "end": 30},
            {"doc": "D1", "coder": "B", "code": "X", "start": 10, "end": 40},
            {"doc": "D2", "coder": "A", "code": "Y", "start": 0, "end": 30},
            {"doc": "D2", "coder": "B", "code": "Y", "start": 0, "end": 30},
        ],
        "options": {"unit": "character", "include": "exact", "codes": ["X"], "docs": ["D1"]},
    })
    return cases


def main():
    rng = random.Random(20261202)
    cases = fixed_cases() + [random_case(rng, k) for k in range(300)]
    for case in cases:
        case["expected"] = expected(case)
    json.dump({
        "generator": "tests/data/agreement/generate.py",
        "references": {
            "scikit-learn": sklearn.__version__,
            "statsmodels": statsmodels.__version__,
            "krippendorff": getattr(krippendorff, "__version__", "0.9.0"),
            "krippendorff-unitized-alpha": "0.1.0",
            "numpy": np.__version__,
        },
        "cases": cases,
    }, sys.stdout, ensure_ascii=False, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
