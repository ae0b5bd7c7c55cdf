from benchopt import BaseDataset, safe_import_context

with safe_import_context() as import_ctx:
    import numpy as np


class Dataset(BaseDataset):
    """Gaussian design with AR(1) correlated columns, sparse ground truth."""

    name = "simulated"

    parameters = {
        "n_samples, n_features": [(100, 200)],
        "rho": [0.6],
    }

    random_state = 0  # fixed data, whatever benchopt's --seed

    def get_data(self):
        rng = np.random.default_rng(self.random_state)
        n, p, rho = self.n_samples, self.n_features, self.rho
        # Columns x_j = rho x_{j-1} + sqrt(1 - rho^2) z_j: unit variance,
        # correlation rho^|i-j|.
        Z = rng.standard_normal((n, p))
        X = np.empty((n, p))
        X[:, 0] = Z[:, 0]
        for j in range(1, p):
            X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho ** 2) * Z[:, j]
        w = np.zeros(p)
        support = rng.choice(p, size=10, replace=False)
        w[support] = rng.standard_normal(10)
        signal = X @ w
        noise = rng.standard_normal(n)
        y = signal + noise * np.linalg.norm(signal) / (3 * np.linalg.norm(noise))
        y += 2.0  # a non-zero mean, so that fitting the intercept matters
        return dict(X=X, y=y)
