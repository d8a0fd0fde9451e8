"""Argument types shared by the benchmark scripts (they run as ``python benchmarks/x.py``)."""

import argparse


def positive_int(text):
    """An argparse type: an int of at least 1, with a message naming the bad value."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError('must be a positive integer, got %s' % text)
    return value


def sizes(text):
    """An argparse type: comma-separated ``BxN`` pairs such as ``20x200,128x650``."""
    pairs = []
    for item in text.split(','):
        parts = item.strip().lower().split('x')
        if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
            raise argparse.ArgumentTypeError(
                'must be comma-separated BxN sizes such as 20x200,128x650, got %s' % text)
        pairs.append((int(parts[0]), int(parts[1])))
    return pairs
