"""Latent semantic analysis: a truncated SVD of the term-document matrix puts
documents that share no word but share a topic close together.

Twelve sentences on three topics; tf-idf weights; rank-3 SVD.  A document j sits
at s * Vh[:, j] in the latent space; a query q is folded in the same way, as
U_k^T q (= s * q_hat with q_hat = diag(1/s) U_k^T q, Deerwester et al. 1990), and
documents are ranked by cosine similarity.  Run:  python examples/lsa.py
"""
import re

import numpy as np

import fastsvd

DOCS = [  # (topic, text)
    ("space", "The rocket launch put a satellite into orbit around the earth."),
    ("space", "Astronauts rode the rocket into orbit and looked down at the earth."),
    ("space", "A telescope in orbit around the earth observed a distant galaxy."),
    ("space", "Astronauts on the space station repaired the telescope in orbit."),
    ("cooking", "Fry the onion and garlic in olive oil before adding the tomato sauce."),
    ("cooking", "Bake the bread in a hot oven and serve it with garlic and tomato sauce."),
    ("cooking", "Simmer the tomato sauce with garlic, basil and olive oil."),
    ("cooking", "Knead the bread dough, let it rise, then bake it in the oven."),
    ("finance", "The central bank raised interest rates to slow inflation."),
    ("finance", "Stock prices fell as investors feared higher interest rates."),
    ("finance", "The bank offered investors a loan at fixed interest rates."),
    ("finance", "Inflation pushed stock prices and bond yields higher."),
]
STOP = set("the a an and of to in on into its it as with then them until is their by for".split())


def tokens(text):
    return [w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOP]


def term_document(docs):
    vocab = sorted({w for _, d in docs for w in tokens(d)})
    index = {w: i for i, w in enumerate(vocab)}
    counts = np.zeros((len(vocab), len(docs)))
    for j, (_, d) in enumerate(docs):
        for w in tokens(d):
            counts[index[w], j] += 1
    idf = np.log(len(docs) / np.count_nonzero(counts, axis=1))
    return counts * idf[:, None], vocab, index, idf


def main(query="galaxy telescope astronauts", k=3, top=5):
    X, vocab, index, idf = term_document(DOCS)
    lr = fastsvd.low_rank(X, k)                      # X ~ U_k diag(s_k) Vh_k
    docs_latent = (lr.s[:, None] * lr.Vh).T          # document coordinates, (n_docs, k)
    q = np.zeros(len(vocab))
    for w in tokens(query):
        if w in index:
            q[index[w]] += idf[index[w]]
    q_latent = lr.U.T @ q                            # folded in, scaled like the docs
    cos = docs_latent @ q_latent / (
        np.linalg.norm(docs_latent, axis=1) * np.linalg.norm(q_latent) + 1e-300)
    order = np.argsort(-cos)[:top]
    shared = X.T @ q > 0                            # plain keyword matching, for contrast
    return {"query": query, "ranking": order.tolist(), "similarity": cos[order].tolist(),
            "topics": [DOCS[i][0] for i in order], "shares_a_word": shared[order].tolist(),
            "explained": float(np.sum(lr.s ** 2) / np.sum(X ** 2))}


if __name__ == "__main__":
    out = main()
    print(f"query: {out['query']!r} (rank-3 SVD keeps {out['explained']:.0%} of the tf-idf "
          "energy; * = shares a word with the query)")
    for i, c, w in zip(out["ranking"], out["similarity"], out["shares_a_word"]):
        print(f"  {c:+.3f} {'*' if w else ' '} [{DOCS[i][0]:7s}] {DOCS[i][1]}")
