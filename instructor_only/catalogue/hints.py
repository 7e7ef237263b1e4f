"""What a student whose answer behaves like a known mistake should try next: one hint per answer cell, shared by both
tracks (a catalogue entry may carry a hint of its own, which wins).

A hint says how to find the mistake oneself (a small case to work by hand, a comparison to print, the part of the
docstring to read again); it never quotes the hidden checks' inputs or code. The feedback shows it under the
diagnosis (grading/diagnosis/in_feedback.py).
"""
from __future__ import annotations

HINTS = {
    "warmup": {
        "conv_output_size": "count the window positions by hand for one small padded, strided and dilated axis and "
                            "compare with your formula: padding is added on both sides, and the window spans "
                            "dilation * (kernel - 1) + 1 pixels",
        "build_conv_layer": "print your layer's weight shape and its bias (or None) for an int kernel and for a "
                            "(kh, kw) tuple, with bias on and off, and compare with the docstring",
        "count_parameters": "list a small model's parameters with their shapes and whether they are trainable, with a "
                            "frozen layer and a batch norm in it: only the elements of trainable parameters count",
        "conv_parameter_formula": "compare your formula with count_parameters of a real layer, for a rectangular "
                                  "kernel, with and without bias; the function itself must not build a layer",
        "shift_sensitivity": "check each step on a tiny input you can read: the roll moves one pixel along the width, "
                             "the pooling is 2x2 with stride 2 of the kind asked, and both means run over every "
                             "element",
        "layouts": "index single elements: out[n, h, w, c] must equal x[n, c, h, w] everywhere, and converting there "
                   "and back must give the input unchanged, dtype included",
    },
    "batchnorm": {
        "batch_norm": "compare with your framework's own batch norm on one small input, in training and in inference "
                      "mode: normalise with the biased variance (divide by the number of values), and update the "
                      "running statistics into new tensors with the momentum and variance conventions the docstring "
                      "states",
        "batchnorm_layer": "compare your layer with the framework's batch norm layer on the same input, in training "
                           "and in inference mode, and check that the running statistics are state the optimiser "
                           "does not train",
        "mlp_forward": "follow the docstring's order layer by layer: hidden layer, then its norm when there is one, "
                       "then the activation; the output layer gets no activation",
        "cross_entropy": "compare with the framework's cross-entropy on random logits, very large ones too: take a "
                         "numerically stable log-softmax and average over the batch",
        "sgd_epoch": "trace one epoch on a tiny problem: shuffle with the generator given, visit every example once "
                     "(the last minibatch may be smaller), start each step from fresh gradients, and return the plain "
                     "mean of the minibatch losses",
        "smoothness_constant": "compare with numpy on a small random matrix: the largest eigenvalue of the symmetric "
                               "X^T X / n, as a Python float",
    },
    "resnet": {
        "custom_dense": "check the kernel's and the bias's shapes and first values against the docstring, and that "
                        "the call counter is untrained state that grows by one on every call, in training and in "
                        "inference",
        "basic_block": "print the shape after each layer for a block with stride 2 and for one that changes the "
                       "channels: exactly then the shortcut needs its 1x1 convolution and batch norm, and the sum "
                       "comes before the last ReLU",
        "bottleneck_block": "check the width (out_channels // 4), which convolution carries the stride, the "
                            "ValueError for an out_channels not divisible by 4, and the shortcut as in the basic block",
        "resnet": "print the shape after the stem and after each stage: the first stage keeps the resolution, each "
                  "later one halves it in its first block, and global average pooling comes before the classifier, "
                  "which returns logits",
        "dense_block": "print the channel count after each layer: each layer sees every channel so far, and its "
                       "output is concatenated after its input on the channel axis",
        "block_costs": "count one small block by hand, layer by layer: convolution weights plus the batch norms' "
                       "scale and shift, and for each convolution output positions x output channels x input "
                       "channels x kernel area multiply-adds",
    },
}


def hint(concept: str, answer_cell: str, own: str = "") -> str:
    """The hint for a mistake in `answer_cell` of `concept`: the entry's own, else its cell's ('' if none)."""
    return own or HINTS.get(concept, {}).get(answer_cell, "")
