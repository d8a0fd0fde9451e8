"""The link library, imported as ``import minigrad.links as L``.

Links layer: ``Link``/``Chain``/``ChainList`` (defined in ``minigrad.link``, re-exported here),
``Sequential``, and the standard layers (``Linear``, ``EmbedID``, the normalization links,
``Classifier``), one module per family. Recurrent links live in ``minigrad_rnn.links``.
"""

from minigrad.link import Chain, ChainList, Link
from minigrad.links.classifier import Classifier
from minigrad.links.embed_id import EmbedID
from minigrad.links.linear import Linear
from minigrad.links.normalization import BatchNormalization, LayerNormalization
from minigrad.links.sequential import Sequential

__all__ = [
    'BatchNormalization', 'Chain', 'ChainList', 'Classifier', 'EmbedID', 'LayerNormalization',
    'Linear', 'Link', 'Sequential',
]
