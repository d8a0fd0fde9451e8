"""Activation functions: sigmoid, tanh, relu, leaky_relu, softmax, log_softmax.

Functions layer. One Function subclass and one wrapper each.
"""


def sigmoid(x):
    raise NotImplementedError


def tanh(x):
    raise NotImplementedError


def relu(x):
    raise NotImplementedError


def leaky_relu(x, slope=0.2):
    raise NotImplementedError


def softmax(x, axis=1):
    raise NotImplementedError


def log_softmax(x, axis=1):
    raise NotImplementedError
