import sys; sys.path.insert(0, __import__("os").path.dirname(__file__))
from nbspec import NB
nb = NB()
nb.md("""
# Lab: Batch Normalization, from scratch to deep MLPs (PyTorch)

Batch normalization (BN) standardizes each feature over the current minibatch, then rescales it with two learned
parameters. It is one line of maths, yet it changes what learning rates a network tolerates and how deep it can be
before training falls apart. In this lab you will

1. watch PyTorch's own `nn.BatchNorm1d` behave differently in training and in inference;
2. write batch norm yourself, first as a function and then as a module, so that it matches PyTorch exactly;
3. write the forward pass, the loss and a hand-made SGD loop for an MLP that can use BN;
4. measure how the largest stable learning rate depends on depth, with and without BN, and how BN helps
   saturating activations;
5. (optional) see why standardizing features makes gradient descent better conditioned.

**Grading.** Each exercise has a public check right below it; the same cell runs hidden checks when you submit.
Written answers are graded by hand. Run *Kernel → Restart & Run All* before submitting: the whole notebook takes
about a minute on a laptop CPU.
""", "intro")
nb.code("""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from student_helpers.data import load_images
from student_helpers.experiments import plot_curves, plot_stable_learning_rates, reduced_run
from student_helpers.torch_training import accuracy, as_tensors, largest_stable_lr, train

torch.manual_seed(0)
torch.set_num_threads(1)  # small models run fastest on one thread, and results are reproducible
REDUCED = reduced_run()   # True while the autograder runs this notebook: the experiments then run smaller
""", "imports")
nb.md("""
## 1. Data

We use the handwritten digits that ship with scikit-learn (8x8 grey images, 10 classes), so nothing is
downloaded. The pixels are **standardized with the mean and standard deviation of the training split only**: the
test split must not influence anything we fit, not even the preprocessing.

*Online?* Set the environment variable `COURSE_DATASET=fashion_mnist` before starting Jupyter to use Fashion-MNIST
(28x28) instead; it is downloaded once to `~/.keras/datasets/fashion-mnist`.
""", "md-data")
nb.code("""
data = load_images(layout="flat")
x_train, y_train = as_tensors(data.x_train, data.y_train)
x_test, y_test = as_tensors(data.x_test, data.y_test)
print(f"train {tuple(x_train.shape)}, test {tuple(x_test.shape)}, classes {data.class_names}")
print(f"training split after standardization: mean {x_train.mean():.3f}, std {x_train.std():.3f}")
""", "data")
nb.md("""
## 2. The built-in layer in action

`nn.BatchNorm1d(num_features)` keeps two learned vectors, `weight` (gamma) and `bias` (beta), and two **buffers**,
`running_mean` and `running_var`, which are not learned by gradient descent.

* In **training mode** (`model.train()`) it normalizes with the statistics of the current batch and moves the
  running statistics towards them.
* In **evaluation mode** (`model.eval()`) it normalizes with the running statistics and leaves them alone, so one
  example's output no longer depends on the rest of its batch.

Run the cell and read the numbers.
""", "md-builtin")
nb.code("""
torch.manual_seed(0)
batch = 5.0 + 3.0 * torch.randn(256, 2)             # two features with mean ~5 and std ~3
layer = nn.BatchNorm1d(2)

layer.eval()
print("eval before any training: output mean", layer(batch).mean(0).detach().numpy().round(2),
      "(running stats are still 0 and 1)")
layer.train()
print("train mode:               output mean", layer(batch).mean(0).detach().numpy().round(2),
      "std", layer(batch).std(0, unbiased=False).detach().numpy().round(2))
for step in range(1, 61):
    layer(5.0 + 3.0 * torch.randn(256, 2))
    if step in (1, 10, 60):
        print(f"after {step:2d} training-mode calls: running_mean {layer.running_mean.numpy().round(2)}, "
              f"running_var {layer.running_var.numpy().round(2)}")
layer.eval()
print("eval after training:      output mean", layer(batch).mean(0).detach().numpy().round(2))
""", "builtin-demo")
nb.md("""
**Conventions you must match** (they differ between frameworks, and mixing them up is a classic bug):

| | PyTorch | Keras |
|---|---|---|
| update of the running statistics | `new = (1 - momentum) * old + momentum * batch` | `new = momentum * old + (1 - momentum) * batch` |
| default momentum | 0.1 (weight of the **new** batch) | 0.99 (weight of the **old** value) |
| default eps | 1e-5 | 1e-3 |
| variance used to normalize the batch | biased (divide by n) | biased (divide by n) |
| variance stored in `running_var` | **unbiased** (divide by n - 1) | biased |

Here n is the number of values averaged per feature: the batch size for 2-D input `(N, D)`, and `N * H * W` for
images `(N, C, H, W)`, where each channel is one feature.
""", "md-conventions")
nb.md("""
## 3. Batch norm from scratch

Write `batch_norm` for 2-D input `(N, D)` and 4-D input `(N, C, H, W)`. In training mode:

$$\\mu = \\text{mean}(x), \\quad \\sigma^2 = \\text{mean}((x-\\mu)^2), \\quad
y = \\gamma \\, \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} + \\beta$$

per feature (per channel for 4-D input), and the running statistics move as in the table above. In inference the
running statistics replace $\\mu$ and $\\sigma^2$ and are returned unchanged.

Use only tensor arithmetic: the function must not call PyTorch's built-in batch norm (the checks make sure).
""", "md-bn-function")
nb.answer("batch_norm", '''
def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input.

    Args:
        x: float tensor, (N, D) or (N, C, H, W) (channels on axis 1).
        gamma, beta: learnable scale and shift, shape (D,) or (C,).
        running_mean, running_var: running statistics, shape (D,) or (C,). Do not modify them in place.
        training (bool): True: normalize with the batch statistics and update the running ones;
            False: normalize with the running statistics, which are returned unchanged.
        momentum (float): weight of the NEW batch statistics in the update (PyTorch convention).
        eps (float): added to the variance before the square root.

    Returns:
        (y, new_running_mean, new_running_var): y has x's shape; the running statistics are new tensors with no
        autograd history (gradients must flow into y only). new_running_var uses the UNBIASED batch variance.
    """
    ### BEGIN SOLUTION
    axes = (0,) if x.dim() == 2 else (0, 2, 3)
    shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
    if training:
        mean = x.mean(dim=axes)
        var = x.var(dim=axes, unbiased=False)
        n = x.numel() // x.shape[1]
        with torch.no_grad():
            new_mean = (1 - momentum) * running_mean + momentum * mean
            new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.clone(), running_var.clone()
    x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * x_hat + beta.reshape(shape), new_mean, new_var
    ### END SOLUTION
''')
nb.test("check_batch_norm", 3, '''
# Public checks.
torch.manual_seed(1)
x = 4.0 + 2.0 * torch.randn(64, 3)
ones, zeros = torch.ones(3), torch.zeros(3)
y, new_mean, new_var = batch_norm(x, ones, zeros, zeros, ones, training=True)
assert y.shape == x.shape, f"y should have x's shape {tuple(x.shape)}, got {tuple(y.shape)}"
assert torch.allclose(y.mean(0), zeros, atol=1e-5), f"training mode: each feature of y should have mean 0, got {y.mean(0)}"
assert torch.allclose(y.std(0, unbiased=False), ones, atol=1e-3), "training mode: each feature of y should have std 1"
assert torch.allclose(new_mean, 0.1 * x.mean(0)), "running_mean should move 10% of the way (momentum 0.1) towards the batch mean"
assert torch.allclose(new_var, 0.9 + 0.1 * x.var(0, unbiased=True)), "running_var should move towards the UNBIASED batch variance"
y_eval, same_mean, same_var = batch_norm(x, ones, zeros, new_mean, new_var, training=False)
assert torch.equal(same_mean, new_mean) and torch.equal(same_var, new_var), "inference must not change the running statistics"
assert torch.allclose(y_eval, (x - new_mean) / torch.sqrt(new_var + 1e-5)), "inference should normalize with the running statistics"
images = torch.randn(8, 4, 5, 5) * torch.arange(1.0, 5.0).reshape(1, 4, 1, 1)
y4, mean4, _ = batch_norm(images, torch.ones(4), torch.zeros(4), torch.zeros(4), torch.ones(4), training=True)
assert mean4.shape == (4,), f"4-D input: one statistic per channel, shape (4,), got {tuple(mean4.shape)}"
assert torch.allclose(y4.std(dim=(0, 2, 3), unbiased=False), torch.ones(4), atol=1e-3), "4-D input: normalize each channel over (N, H, W)"
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_batch_norm", "torch", globals())
### END HIDDEN TESTS
''')
nb.md("""
### The module

Now wrap the function in an `nn.Module`. A module owns two kinds of state:

* **parameters** (`nn.Parameter`), which the optimizer updates: here `gamma` (starts at 1) and `beta` (starts at 0);
* **buffers** (`self.register_buffer`), which are saved with the model and moved between devices but are not
  learned: here `running_mean` (starts at 0) and `running_var` (starts at **1**, the variance of a standardized
  feature; starting at 0 would divide by almost nothing in early inference).

`forward` calls your `batch_norm` with `self.training` and stores the returned statistics in the buffers.
""", "md-bn-module")
nb.answer("batchnorm_layer", '''
class BatchNorm(nn.Module):
    """Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.

    Attributes (the checks use these names): gamma, beta (parameters, shape (num_features,));
    running_mean, running_var (buffers, shape (num_features,)); momentum, eps (floats).
    """

    def __init__(self, num_features, momentum=0.1, eps=1e-5):
        super().__init__()
        ### BEGIN SOLUTION
        self.momentum, self.eps = momentum, eps
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        y, self.running_mean, self.running_var = batch_norm(
            x, self.gamma, self.beta, self.running_mean, self.running_var, self.training, self.momentum, self.eps)
        return y
        ### END SOLUTION
''')
nb.test("check_batchnorm_layer", 2, '''
# Public checks: the layer's state, and that it uses and stores what your batch_norm computes.
layer = BatchNorm(3)
assert {n for n, _ in layer.named_parameters()} == {"gamma", "beta"}, "gamma and beta should be the only parameters"
assert {n for n, _ in layer.named_buffers()} >= {"running_mean", "running_var"}, "running_mean/running_var should be buffers"
assert torch.equal(layer.running_var, torch.ones(3)), "running_var should start at 1"
torch.manual_seed(2)
for training in (True, True, False):
    layer.train(training)
    x = 3.0 * torch.randn(16, 3) + 1.0
    before = (layer.running_mean.clone(), layer.running_var.clone())
    want_y, want_mean, want_var = batch_norm(x, layer.gamma, layer.beta, *before, training, 0.1, 1e-5)
    assert torch.allclose(layer(x), want_y), f"forward should return batch_norm's output (training={training})"
    assert torch.allclose(layer.running_mean, want_mean) and torch.allclose(layer.running_var, want_var), (
        f"forward should store the running statistics that batch_norm returns (training={training})")
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_batchnorm_layer", "torch", globals())
### END HIDDEN TESTS
''')
nb.md("""
## 4. An MLP with optional batch norm

The model is `input -> [Linear -> BN (optional) -> activation] x depth -> Linear`. BN goes **between** the linear
layer and the nonlinearity, so that the activation always sees standardized inputs. The constructor is given (it
uses PyTorch's `nn.BatchNorm1d`; your own module would work too, only more slowly); write the forward pass.
""", "md-mlp")
nb.code('''
class MLP(nn.Module):
    """input -> [Linear -> BatchNorm1d (if batch_norm) -> activation] x depth -> Linear (logits)."""

    def __init__(self, in_features, hidden, depth, num_classes, batch_norm=False, activation="relu"):
        super().__init__()
        sizes = [in_features] + [hidden] * depth
        self.hidden_layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm1d(hidden) for _ in range(depth)) if batch_norm else None
        self.activation_name = activation
        self.activation = {"relu": nn.ReLU(), "sigmoid": nn.Sigmoid()}[activation]
        self.output_layer = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return mlp_forward(self, x)
''', "mlp-class")
nb.answer("mlp_forward", '''
def mlp_forward(model, x):
    """Logits of `model` (an MLP as defined above) for a batch x of shape (N, in_features).

    Use model.hidden_layers[i], then model.norms[i] when model.norms is not None, then model.activation; finish with
    model.output_layer (no activation after it). Returns a tensor of shape (N, num_classes).
    """
    ### BEGIN SOLUTION
    h = x
    for i, linear in enumerate(model.hidden_layers):
        h = linear(h)
        if model.norms is not None:
            h = model.norms[i](h)
        h = model.activation(h)
    return model.output_layer(h)
    ### END SOLUTION
''')
nb.test("check_mlp_forward", 2, '''
# Public checks.
torch.manual_seed(3)
model = MLP(64, 32, depth=3, num_classes=10, batch_norm=True)
logits = model(x_train[:20])
assert logits.shape == (20, 10), f"logits should have shape (20, 10), got {tuple(logits.shape)}"
model.eval()
assert not torch.allclose(model(x_train[:20]), logits), "with BN, eval-mode outputs should differ from training-mode outputs"
plain = MLP(64, 32, depth=2, num_classes=10, batch_norm=False)
h = torch.relu(plain.hidden_layers[1](torch.relu(plain.hidden_layers[0](x_train[:5]))))
assert torch.allclose(plain(x_train[:5]), plain.output_layer(h), atol=1e-6), "without BN: Linear -> ReLU, twice, then the output layer"
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_mlp_forward", "torch", globals())
### END HIDDEN TESTS
''')
nb.md("""
## 5. The objective

Classification uses the **mean** cross-entropy of the softmax of the logits:
$\\ell = -\\frac{1}{N}\\sum_i \\log \\text{softmax}(z_i)_{y_i}$. Compute it from the logits directly. Computing
`softmax` and then its `log` overflows for large logits; $\\log \\text{softmax}(z)_k = z_k - \\log\\sum_j e^{z_j}$
with `torch.logsumexp` does not. (Using PyTorch's `F.cross_entropy` is also fine, once you know what it computes.)
""", "md-loss")
nb.answer("cross_entropy", '''
def cross_entropy(logits, labels):
    """Mean cross-entropy. logits: float (N, K); labels: int64 (N,) with values in [0, K).

    Returns a 0-d tensor (differentiable with respect to the logits).
    """
    ### BEGIN SOLUTION
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return -log_probs[torch.arange(len(labels)), labels].mean()
    ### END SOLUTION
''')
nb.test("check_cross_entropy", 1, '''
# Public checks: uniform logits give log(K); a confident correct prediction gives ~0.
z = torch.zeros(4, 10)
assert abs(cross_entropy(z, torch.tensor([0, 3, 5, 9])).item() - math.log(10)) < 1e-6, "all-zero logits: the loss is log(10)"
confident = torch.tensor([[50.0, 0.0], [0.0, 50.0]])
assert cross_entropy(confident, torch.tensor([0, 1])).item() < 1e-6, "confident correct predictions: loss ~0"
assert abs(cross_entropy(confident, torch.tensor([1, 1])).item() - 25.0) < 1e-4, "mean (not sum) over the batch: expected 25"
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_cross_entropy", "torch", globals())
### END HIDDEN TESTS
''')
nb.md("""
## 6. Minibatch SGD by hand

One epoch visits every training example once, in a random order, in minibatches. For each minibatch: compute the
loss, back-propagate, move every parameter against its gradient (`p -= lr * p.grad`, inside `torch.no_grad()`),
then **clear the gradients**: PyTorch adds new gradients to old ones. Do not use `torch.optim`.

The model must be in **training mode** while it learns, so that BN uses batch statistics and updates its running
ones (evaluating it, e.g. with `accuracy`, switches it to eval mode and back).
""", "md-sgd")
nb.answer("sgd_epoch", '''
def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
    """One epoch of minibatch SGD on (x, y), updating model's parameters in place.

    Args:
        model: an nn.Module producing logits. x: (N, D) float tensor; y: (N,) int64 labels.
        lr (float): learning rate. batch_size (int): the last minibatch may be smaller.
        generator (torch.Generator): use it to shuffle (torch.randperm(N, generator=generator)).
        loss_fn: loss_fn(logits, labels) -> 0-d tensor, e.g. your cross_entropy.

    Returns:
        float: the average of the minibatch losses.
    """
    ### BEGIN SOLUTION
    model.train()
    order = torch.randperm(len(x), generator=generator)
    losses = []
    for start in range(0, len(x), batch_size):
        idx = order[start:start + batch_size]
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                if p.grad is not None:
                    p -= lr * p.grad
                    p.grad = None
        losses.append(loss.item())
    return sum(losses) / len(losses)
    ### END SOLUTION
''')
nb.test("check_sgd_epoch", 3, '''
# Public checks: a few epochs on the digits should fit the training data reasonably well. (PyTorch's own layers and
# loss are used here, so that this cell checks sgd_epoch alone.)
torch.manual_seed(4)
model = nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 10))
model.eval()  # sgd_epoch must switch it to training mode itself
generator = torch.Generator().manual_seed(0)
losses = [sgd_epoch(model, x_train, y_train, 0.1, 64, generator, F.cross_entropy) for _ in range(3)]
assert all(isinstance(v, float) for v in losses), "sgd_epoch should return the average loss as a float"
assert losses[-1] < losses[0] < math.log(10) + 0.5, f"the average loss should fall from about log(10): {losses}"
assert accuracy(model, x_train, y_train) > 0.85, "after 3 epochs the training accuracy should exceed 85%"
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_sgd_epoch", "torch", globals())
### END HIDDEN TESTS
''')
nb.md("""
Now train a network with BN on the digits and look at its test accuracy (the progress bar shows the loss).
""", "md-train")
nb.code("""
torch.manual_seed(0)
model = MLP(x_train.shape[1], 64, depth=2, num_classes=10, batch_norm=True)
losses = train(model, sgd_epoch, cross_entropy, x_train, y_train, lr=0.1, epochs=3 if REDUCED else 15, desc="MLP+BN")
print(f"final training loss {losses[-1]:.3f}; test accuracy {accuracy(model, x_test, y_test):.1%}")
""", "train-demo")
nb.md("""
## 7. Experiment: the largest stable learning rate vs depth

For each depth and each learning rate on a grid, we train for a few epochs from the same initialization and call
the run *stable* if the loss stays finite and ends below where it started. Then we plot the largest stable rate,
with and without BN. (Under the autograder this runs on fewer depths and epochs.)
""", "md-lr-experiment")
nb.code("""
depths = [1, 4] if REDUCED else [1, 2, 4, 8]
lrs = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
epochs = 1 if REDUCED else 3
largest = {}
for use_bn in (False, True):
    label = "with BN" if use_bn else "without BN"
    largest[label] = [
        largest_stable_lr(lambda d=depth: MLP(x_train.shape[1], 64, d, 10, batch_norm=use_bn), sgd_epoch,
                          cross_entropy, x_train, y_train, lrs, epochs)
        for depth in tqdm(depths, desc=label)
    ]
plot_stable_learning_rates(depths, largest, lrs);
for label, values in largest.items():
    print(f"{label:>10s}: largest stable learning rate per depth {dict(zip(depths, values))}")
""", "lr-experiment")
nb.written("written_lr_depth", 2, """
<!-- BEGIN RUBRIC -->
**Rubric (for graders; students get an empty cell, and the published solution omits it), 2 points.**
- 1 point: reads the plot: without BN the largest stable rate falls as depth grows; with BN it stays high
  (roughly constant, and above the no-BN curve at depth >= 2).
- 1 point: explains it: without BN, the scale of activations and gradients changes multiplicatively through the
  layers, so a step size that suits one layer overshoots in another and large rates blow up in deep nets; BN
  re-standardizes each layer's pre-activations, which makes the output invariant to the scale of the incoming
  weights, so a large step cannot make the activations explode and the effective step shrinks as weights grow.
  Half of this point for "BN keeps activations normalized" without the link to step size or weight scale.
<!-- END RUBRIC -->

**Model answer.** Without batch norm the largest learning rate that still trains drops as the network gets
deeper: each layer multiplies the scale of the signal, so a step that is safe for a shallow net pushes a deep one
into exploding activations and a diverging loss. With batch norm the curve stays high at every depth. Because
every hidden pre-activation is re-standardized, the network's output does not change when the weights feeding a
BN layer are scaled, so a large update cannot blow up the activations; as those weights grow, the same learning
rate becomes a smaller relative step. BN therefore lets deep networks train with large, fast learning rates.
""")
nb.md("""
## 8. Experiment: saturating activations

A sigmoid saturates: for large |input| its gradient is almost zero. Below, four networks of depth 4 train for the
same number of epochs at the same learning rate: sigmoid or ReLU, with or without BN.
""", "md-activation-experiment")
nb.code("""
curves = {}
for activation in ("sigmoid", "relu"):
    for use_bn in (False, True):
        torch.manual_seed(0)
        net = MLP(x_train.shape[1], 64, depth=4, num_classes=10, batch_norm=use_bn, activation=activation)
        label = f"{activation}{' + BN' if use_bn else ''}"
        curves[label] = train(net, sgd_epoch, cross_entropy, x_train, y_train, lr=0.1,
                              epochs=2 if REDUCED else 10, desc=label)
plot_curves(curves);
ranked = sorted(curves, key=lambda k: curves[k][-1])
print("final training loss: " + ", ".join(f"{k} {curves[k][-1]:.3f}" for k in ranked))
""", "activation-experiment")
nb.written("written_activations", 2, """
<!-- BEGIN RUBRIC -->
**Rubric (for graders; students get an empty cell, and the published solution omits it), 2 points.**
- 1 point: reads the curves: plain sigmoid trains slowest by far (its loss barely moves early on); sigmoid + BN
  closes most of the gap; ReLU trains without BN, and clearly faster with it.
- 1 point: explains: sigmoid's derivative is at most 1/4 and near 0 when saturated, so gradients shrink through
  each layer (vanishing gradients); BN keeps each pre-activation near mean 0 and variance 1, the steep part of the
  sigmoid, so gradients survive; ReLU does not saturate for positive inputs, so it trains without BN, while BN
  still helps it by keeping the scale of every layer's inputs steady.
<!-- END RUBRIC -->

**Model answer.** The plain sigmoid network learns slowest: its loss stays near log(10) for a while. The sigmoid's
derivative is at most 1/4 and nearly zero once its input is large in magnitude, so back-propagation through four
sigmoid layers multiplies many small factors and the early layers barely learn. Adding BN keeps every
pre-activation centred with unit variance, in the steep middle of the sigmoid, so gradients stay usable and the
curve drops much faster. ReLU passes gradients unchanged for positive inputs and trains without BN; BN still
speeds it up markedly by keeping the scale of each layer's inputs steady.
""")
nb.md("""
## 9. Optional: why standardize at all? Conditioning

For least squares, $f(w) = \\frac{1}{2n}\\lVert Xw - y\\rVert^2$, the Hessian is $H = X^\\top X / n$. Gradient
descent is stable only for step sizes below $2 / L$, where $L$, the **smoothness constant**, is the largest
eigenvalue of $H$. Features on very different scales make $L$ huge (so steps must be tiny) while directions of small
curvature crawl. Write `smoothness_constant`, then compare raw and standardized features.
""", "md-conditioning")
nb.answer("smoothness_constant", '''
def smoothness_constant(x):
    """Largest eigenvalue of X^T X / n for a float tensor x of shape (n, d). Returns a Python float."""
    ### BEGIN SOLUTION
    hessian = x.T @ x / x.shape[0]
    return torch.linalg.eigvalsh(hessian)[-1].item()
    ### END SOLUTION
''')
nb.test("check_smoothness_constant", 1, '''
# Public checks: two orthogonal features of sizes 1 and 10, so X^T X / n = diag(1, 100) and L = 100.
x = torch.tensor([[1.0, 10.0], [-1.0, 10.0], [1.0, -10.0], [-1.0, -10.0]], dtype=torch.float64)
got = smoothness_constant(x)
assert isinstance(got, float), f"return a Python float, got {type(got).__name__}"
assert abs(got - 100.0) < 1e-9, f"expected 100, got {got}"
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_smoothness_constant", "torch", globals())
### END HIDDEN TESTS
''')
nb.code("""
raw = torch.as_tensor(load_images(layout="flat").x_train, dtype=torch.float64)
raw = raw * torch.linspace(0.1, 10.0, raw.shape[1], dtype=torch.float64)  # give the pixels very different scales
standardized = (raw - raw.mean(0)) / (raw.std(0) + 1e-8)
for name, features in (("raw (mixed scales)", raw), ("standardized", standardized)):
    h = features.T @ features / len(features)
    eig = torch.linalg.eigvalsh(h)
    print(f"{name:20s} L = {smoothness_constant(features):10.2f}   "
          f"largest / smallest non-zero eigenvalue = {(eig[-1] / eig[eig > 1e-8][0]).item():12.1f}")
""", "conditioning-demo")
nb.written("written_conditioning", 1, """
<!-- BEGIN RUBRIC -->
**Rubric (for graders; students get an empty cell, and the published solution omits it), 1 point.**
States that standardization shrinks L (allowing a much larger stable step, about 2/L) and the ratio of largest to
smallest curvature (the condition number), so gradient descent makes even progress in all directions; and relates
it to BN doing the same for the inputs of every hidden layer, not only the first.
<!-- END RUBRIC -->

**Model answer.** With mixed feature scales, L is large, so the step size must stay below 2/L and the directions
with little curvature take very many steps. Standardizing every feature lowers L and the condition number, so a
larger step is stable and progress is more even across directions. Batch norm applies the same idea to the inputs
of every hidden layer, whose scales otherwise drift during training.
""")
nb.write(sys.argv[1])
