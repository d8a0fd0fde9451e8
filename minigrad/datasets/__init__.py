"""Datasets: Penn Treebank words, character-level text (Aozora Bunko), small helpers.

Loaders take a path (``root=``), then look at ``$MINIGRAD_DATASET_ROOT``, then at the user cache
folder; data files are never part of the project.
"""

from minigrad.datasets.download import cache_root
from minigrad.datasets.ptb import get_ptb_path, get_ptb_words, get_ptb_words_vocabulary
from minigrad.datasets.text import (
    get_aozora_path,
    get_text_chars,
    read_text,
    strip_aozora_markup,
    text_to_ids,
)
from minigrad.datasets.tuple_dataset import TupleDataset

__all__ = ['get_ptb_words', 'get_ptb_words_vocabulary', 'get_ptb_path', 'get_text_chars',
           'strip_aozora_markup', 'get_aozora_path', 'read_text', 'text_to_ids', 'TupleDataset',
           'cache_root']
