"""Serializers: save and load Links, Optimizers and Trainers in NPZ format, never with pickle.

``save_npz(file, obj)`` / ``load_npz(file, obj)`` cover the usual needs; ``DictionarySerializer``
and ``NpzDeserializer`` are the saver and loader they use, and ``Serializer`` / ``Deserializer``
their base classes (``isinstance(serializer, Deserializer)`` tells a loading pass). See
``minigrad.serializers.npz`` for the protocol and what each kind of value becomes.
"""

from minigrad.serializers.npz import (
    Deserializer,
    DictionarySerializer,
    NpzDeserializer,
    SerializationError,
    Serializer,
    load_npz,
    save_npz,
)

__all__ = ['save_npz', 'load_npz', 'DictionarySerializer', 'NpzDeserializer',
           'SerializationError', 'Serializer', 'Deserializer']
