#!/usr/bin/python3
"""gen_porter.py - write metrics/testdata/porter.json: NLTK's PorterStemmer
(default NLTK_EXTENSIONS mode, the stemmer rouge-score uses) applied to WORDS.

Needs /usr/bin/python3 with python3-nltk (3.8). The words cover every rule of
every step, NLTK's irregular forms and special cases, and the suffixes of
rouge-score's test data."""

import json
import os

from nltk.stem.porter import PorterStemmer

WORDS = """
caresses ponies ties caress cats flies dies lies ties skies sky dying lying tying news innings inning
outings outing cannings canning howe proceed exceed succeed feed agreed plastered bled motoring sing
conflated troubled sized hopping tanned falling hissing fizzed failing filing happy sky enjoy spy fly try
relational conditional rational valenci hesitanci digitizer conformabli radicalli differentli vileli
analogousli vietnamization predication operator feudalism decisiveness hopefulness callousness
formaliti sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful
goodness revival allowance inference airliner gyroscopic adjustable defensible irritant replacement
adjustment dependent adoption homologou communism activate angulariti homologous effective bowdlerize
probate rate cease controll roll generalizations oscillators meetings meeting testing tested tests
running runs ran easily fairly fully carefully beautifully archaeology analogies biology logical
anthropology tied spied cried died ied as is us ab abs bus gas bias yes eyes eyed dyed played
plays playing playful agreement agreeably agreed disagreements hopelessness useful usefulness
national nationalism nationalization rationalize relativity relatively sensational sensationalism
traditional traditionally conditionally conditioning conditioned generously generosity generous
atomic atomically electric electricity electrify electrified electrifying falling fallen fallibility
sizing sized sizeable izing ation ational ies ied eed ing ed s ss y alli fulli logi bli
responsive responsiveness responsibility responsibilities irresponsible explanation explanatory
troubling troubled troubles filing filed files hopped hoped hoping hops happily happiness
wing king string bring thing nothing something everything evening morning during
""".split()

ROUGE_TEST_TOKENS = """
zfbcuiuuepailvulcauxxkpu xpewing tuhfpmuz xd brugvjing hv dgddaym rfdjcring ht lm ekbdxkme yz rbr
wtion wiojnbn wl xdqggyfl rpp iyoicuxer tkm ksjdpbyetaor qg dpdbring wefyu mobl xdn wkvceigvktion
bdfhrpmtion psing sbkao qiing lmmer hqqlfxe xpy xsurkmer nb whbwvhjwfeing tq saefzwjtkrtlixypmmsjing
ucapwnheyvjding buysktion gmpfjpwgw nvxaoping pbwmbkv dnxqelhu phpxdeq mtion rfdjcrtion ektdxkme wer
wrojnbn jb iyoicuxi cw wefyu moBL wkvceigvktion bdfhrpmer pstion lmmed xsurkmeo ed tqsaefzwjtkrtlixypmmnjtion
""".lower().split()


def main():
    st = PorterStemmer()
    words = sorted(set(WORDS + ROUGE_TEST_TOKENS))
    out = {w: st.stem(w) for w in words}
    path = os.path.join(os.path.dirname(__file__), "porter.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)
        f.write("\n")
    print("wrote", path, len(out), "words")


if __name__ == "__main__":
    main()
