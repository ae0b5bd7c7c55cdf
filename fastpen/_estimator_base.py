"""What every fastpen estimator shares: keeping its parameters, and a ``fit`` that
holds its threads and leaves the estimator unchanged when it fails."""
import functools

from ._threads import thread_lease

__all__ = ["fitting", "store_params"]


def fitting(fit):
    """Wrap an estimator's ``fit``: it holds its threads for its whole run
    (:mod:`fastpen._threads`), and an exception, Ctrl-C included, leaves the
    estimator as it was before the call (its attributes, not copies of them:
    nothing fastpen fits writes into a previous ``coef_``)."""
    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        before = dict(self.__dict__)
        try:
            with thread_lease(self.n_threads):
                return fit(self, *args, **kwargs)
        except BaseException:
            for name in set(self.__dict__) - set(before):
                del self.__dict__[name]
            self.__dict__.update(before)
            raise
    return wrapper


def store_params(estimator, params):
    """Keep every constructor argument as an attribute, unchanged (scikit-learn's rule)."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)
