"""Classifier: wraps a predictor link and computes its loss (and accuracy) against labels.

Links layer. ``model = Classifier(predictor)``; ``loss = model(x, t)`` is what updaters call.
"""

from minigrad import reporter
from minigrad.functions import evaluation, loss
from minigrad.link import Chain


class Classifier(Chain):
    """A predictor plus a loss: ``loss = lossfun(predictor(*args), t)``.

    The label ``t`` is the argument at position ``label_key`` (an int, by default the last)
    or the keyword argument named ``label_key`` (a str); the other arguments go to the
    predictor. After a call, ``self.y``, ``self.loss`` and ``self.accuracy`` hold the results.

    Args:
        predictor (~minigrad.Link): the model whose output is classified.
        lossfun: ``lossfun(y, t)``, by default :func:`minigrad.functions.softmax_cross_entropy`.
        accfun: ``accfun(y, t)``, by default :func:`minigrad.functions.accuracy`.
        label_key (int or str): where the label is among the call's arguments.

    Attributes:
        compute_accuracy (bool): compute ``self.accuracy`` at each call (True; set it to False
            when the accuracy is meaningless, e.g. for a regression loss).
        predictor, y, loss, accuracy: the predictor and the last call's results.

    Example:
        >>> import numpy, minigrad.links as L
        >>> model = L.Classifier(L.Linear(3, 4))
        >>> x = numpy.ones((2, 3), dtype=numpy.float32)
        >>> t = numpy.array([0, 3], dtype=numpy.int32)
        >>> loss = model(x, t)
        >>> loss.shape, model.accuracy.shape
        ((), ())
    """

    compute_accuracy = True

    def __init__(self, predictor, lossfun=loss.softmax_cross_entropy,
                 accfun=evaluation.accuracy, label_key=-1):
        if not isinstance(label_key, (int, str)) or isinstance(label_key, bool):
            raise TypeError('Classifier: label_key must be an int or a str, got %s'
                            % type(label_key).__name__)
        super().__init__()
        self.lossfun = lossfun
        self.accfun = accfun
        self.label_key = label_key
        self.y = None
        self.loss = None
        self.accuracy = None
        with self.init_scope():
            self.predictor = predictor

    def forward(self, *args, **kwargs):
        """Run the predictor on the inputs, then the loss (and accuracy) against the label.

        Returns:
            the loss Variable.
        """
        key = self.label_key
        if isinstance(key, int):
            if not -len(args) <= key < len(args):
                raise ValueError('Classifier: label_key %d is out of range for %d positional '
                                 'arguments' % (key, len(args)))
            t = args[key]
            key %= len(args)
            args = args[:key] + args[key + 1:]
        else:
            if key not in kwargs:
                raise ValueError('Classifier: label_key %r is not among the keyword arguments '
                                 '%s' % (key, sorted(kwargs)))
            kwargs = dict(kwargs)
            t = kwargs.pop(key)
        self.y = None
        self.loss = None
        self.accuracy = None
        self.y = self.predictor(*args, **kwargs)
        self.loss = self.lossfun(self.y, t)
        values = {'loss': self.loss}
        if self.compute_accuracy:
            self.accuracy = self.accfun(self.y, t)
            values['accuracy'] = self.accuracy
        self.report(values)
        return self.loss

    def report(self, values):
        """Report ``{'loss': ..., 'accuracy': ...}`` to :mod:`minigrad.reporter` after a forward.

        As in Chainer: ``reporter.report(values, self)``, so in a Trainer, where the model is
        named ``'main'``, they become ``'main/loss'`` and ``'main/accuracy'``. Outside any
        reporter (a hand-written loop) it does nothing. Override it to report other values.
        """
        reporter.report(values, self)
