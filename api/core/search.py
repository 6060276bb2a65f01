"""Free-text search that ignores case, accents and script.

Text is folded to lowercase ASCII (Cyrillic transliterated, accents dropped) and split into
words; each document stores its words in `search_terms`, and `q` matches documents that have,
for every word of the query, a stored word starting with it. Anchored prefix patterns on an
indexed array field let MongoDB answer from the index instead of scanning the collection.

Numerals (Roman like a session's "XXI", or digits) are the exception: they are kept as written and
matched whole, so that "XXII" finds neither "XXI" nor "XXIII". They are stored marked (`#xxi`), where
no prefix of an ordinary word reaches them.
"""
import re
import unicodedata

from unidecode import unidecode

_WORD = re.compile(r"[a-z0-9]+")
_TOKEN = re.compile(r"[a-z0-9']+")
_ROMAN = re.compile(r"m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")
NUMERAL_MARK = "#"
# Russian text mostly writes ё as е ("Петр", "партнер"), and romanisations write ё and йо alike as "yo"
# or "e" ("Pyotr", "Fedor", "Yoshkar-Ola"): both fold to е before transliteration, as the "yo" below does.
_CYRILLIC_FOLDS = (("йо", "е"), ("ё", "е"))
# Russian has several romanisations; fold the common alternatives onto one spelling so that
# "moskva", "Moscow"-style typed names and unidecode's output meet. "x" is how Latin spellings
# write кс ("Alexei", "Maxim", "Expo"), which unidecode writes "ks".
_ROMANISATION_FOLDS = (
    ("x", "ks"), ("shch", "sh"), ("sch", "sh"), ("ya", "ia"), ("yu", "iu"), ("yo", "e"), ("kh", "h"),
    ("ts", "c"), ("zh", "z"), ("iy", "i"), ("yy", "i"), ("ij", "i"), ("y", "i"), ("j", "i"),
    ("ii", "i"), ("ie", "e"), ("'", ""),
)
# A filter no document matches: what a q without a single word asks for.
NOTHING = {"_id": {"$in": []}}


def is_numeral(word):
    """True for a word of digits or a Roman numeral."""
    return word.isdigit() or (bool(word) and _ROMAN.fullmatch(word) is not None)


def fold(text):
    """Return text as lowercase ASCII words joined by spaces."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    for old, new in _CYRILLIC_FOLDS:
        text = text.replace(old, new)
    folded = []
    for token in _TOKEN.findall(unidecode(text).lower()):
        if is_numeral(token):
            # Folded like a romanised name ("x" → "ks", "ii" → "i"), "xxii" would become "xxi".
            folded.append(token)
            continue
        for old, new in _ROMANISATION_FOLDS:
            token = token.replace(old, new)
        folded.extend(_WORD.findall(token))
    return " ".join(folded)


def words(text):
    return fold(text).split()


def _term(word):
    return NUMERAL_MARK + word if is_numeral(word) else word


def _strings(value):
    if value is None:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def search_terms(values):
    """Return the sorted distinct words of some values (strings, localised maps, lists of them)."""
    terms = set()
    for text in _strings(list(values)):
        terms.update(_term(word) for word in words(text))
    return sorted(terms)


def list_filter(q, field="search_terms"):
    """Return the filter of a list's `q`: none when q is absent or blank, all its words otherwise.

    A q that has characters but no word in them (".*", "[", "«»") asks for text no document has, so
    it matches nothing rather than everything.
    """
    if q is None or not q.strip():
        return {}
    return query_for(q, field) or NOTHING


def query_for(q, field="search_terms"):
    """Return a MongoDB filter matching documents whose terms cover every word of q."""
    query_words = words(q)
    if not query_words:
        return {}
    clauses = [_word_clause(w, field) for w in dict.fromkeys(query_words)]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _word_clause(word, field):
    prefix = {field: {"$regex": "^" + re.escape(word)}}
    if not is_numeral(word):
        return prefix
    # The numeral itself, whole; or, since a short numeral may be what someone typed of a longer word ("Civ"
    # of "Civitanova", "Mi" of "Milano"), an ordinary word starting with it.
    return {"$or": [{field: NUMERAL_MARK + word}, prefix]}


def reindex(resources):
    """Recompute the stored search words of every document (after the folding changed); return counts.

    A document written meanwhile already has fresh words: the update is filtered on the version read.
    """
    counts = {}
    for resource in resources:
        changed = 0
        for stored in resource.collection.find({}):
            terms = search_terms(resource.search_texts(stored))
            if terms != stored.get("search_terms"):
                result = resource.collection.update_one({"_id": stored["_id"], "version": stored["version"]},
                                                        {"$set": {"search_terms": terms}})
                changed += result.modified_count
        counts[resource.name] = changed
    return counts
