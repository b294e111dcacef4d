"""Reads a corpus through NLTK's own search path, as an app using stopwords does."""

from nltk.corpus import stopwords

words = stopwords.words("english")
print(f"{len(words)} stopwords, first: {words[0]}")
