"""Datasets: Penn Treebank words, character-level text (Aozora Bunko), small helpers.

Loaders take a path (``root=``), then look at ``$MINIGRAD_DATASET_ROOT``, then at the user cache
folder; data files are never part of the project.
"""

from minigrad.datasets.ptb import get_ptb_path, get_ptb_words, get_ptb_words_vocabulary

__all__ = ['get_ptb_words', 'get_ptb_words_vocabulary', 'get_ptb_path']
