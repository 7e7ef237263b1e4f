"""The batch-norm lab's method rules (`method_rules.Rule`), per framework and graded cell.

The notebooks say: `batch_norm` and the `BatchNorm` layer are written from scratch, without the framework's batch
norm ("Use only tensor arithmetic", "must not call the built-in batch norm"; `tf.nn.moments` is allowed); `sgd_epoch`
updates the parameters by hand ("Do not use torch.optim" / "keras.optimizers"). The forbidden names below are public
entry points of the installed torch 2.13 and TensorFlow 2.21 / Keras 3 (tests/test_method_rules.py checks that each
exists); `parts` catches the same objects under their other names (re-exports, `keras.src...`,
`tensorflow.python...`, `torch._C...`, `torch.ops.aten...`, raw ops), so a student cannot rename their way past.
"""
from __future__ import annotations

from instructor_only.checks.method_rules import Rule

# Any name with batch norm in it: torch.batch_norm, native_batch_norm, BatchNorm2d, F.batch_norm, the batchnorm
# module, keras' BatchNormalization, tf.nn.batch_normalization, fused_batch_norm, FusedBatchNormV3, ...; and the
# quantized modules that fuse it (BNReLU2d).
# Other normalisation built-ins too ("use only tensor arithmetic"): instance norm runs the batch-norm kernel itself,
# and layer or group norm on a transposed input compute the same statistics (found by a blind attack round).
BATCH_NORM_PARTS = r"(?i)\w*(batch|instance|layer|group)_?norm\w*|BNReLU\dd|\w*ConvBn\w*|\w*LinearBn\w*"

TORCH_BATCH_NORM = (
    "torch.batch_norm", "torch.native_batch_norm", "torch._native_batch_norm_legit",
    "torch._native_batch_norm_legit_no_training", "torch._batch_norm_impl_index", "torch.cudnn_batch_norm",
    "torch.miopen_batch_norm", "torch.quantized_batch_norm", "torch.batch_norm_elemt", "torch.batch_norm_stats",
    "torch.batch_norm_update_stats", "torch.batch_norm_gather_stats", "torch.batch_norm_gather_stats_with_counts",
    "torch.batch_norm_backward_elemt", "torch.batch_norm_backward_reduce",
    "torch.nn.functional.batch_norm",
    "torch.nn.BatchNorm1d", "torch.nn.BatchNorm2d", "torch.nn.BatchNorm3d", "torch.nn.LazyBatchNorm1d",
    "torch.nn.LazyBatchNorm2d", "torch.nn.LazyBatchNorm3d", "torch.nn.SyncBatchNorm", "torch.nn.modules.batchnorm",
    "torch._C._VariableFunctions.batch_norm", "torch.ops.aten.batch_norm", "torch.ops.aten.native_batch_norm",
    "torch.ao.nn.quantized.BatchNorm2d", "torch.ao.nn.intrinsic.BNReLU2d",
    "torch.func.replace_all_batch_norm_modules_", "torch._decomp.decompositions.native_batch_norm",
)

TENSORFLOW_BATCH_NORM = (
    "tensorflow.nn.batch_normalization", "tensorflow.nn.batch_norm_with_global_normalization",
    "tensorflow.compat.v1.nn.batch_normalization", "tensorflow.compat.v1.nn.fused_batch_norm",
    "tensorflow.compat.v1.nn.batch_norm_with_global_normalization",
    "tensorflow.raw_ops.FusedBatchNorm", "tensorflow.raw_ops.FusedBatchNormV2", "tensorflow.raw_ops.FusedBatchNormV3",
    "tensorflow.raw_ops.BatchNormWithGlobalNormalization",
    "tensorflow.keras.layers.BatchNormalization", "tensorflow.keras.ops.batch_normalization",
    "tensorflow.keras.backend.batch_normalization", "tensorflow.compat.v1.keras.layers.BatchNormalization",
    "keras.layers.BatchNormalization", "keras.ops.batch_normalization", "keras.ops.nn.batch_normalization",
    "keras.src.layers.BatchNormalization", "keras.src.ops.nn.batch_normalization",
    "keras.src.backend.tensorflow.nn.batch_normalization", "tensorflow.python.ops.nn_impl.batch_normalization",
    "tensorflow.python.ops.nn_impl.fused_batch_norm",
)

# Optimizers and what runs one: torch.optim and keras.optimizers under any name, their classes (SGD, Adam, ...),
# the fused optimizer kernels, TensorFlow's training ops (ApplyGradientDescent, resource_apply_...), and Keras'
# training methods. The course's own `fit_classifier` (student_helpers) trains with Adam.
OPTIMIZER_PARTS = (r"optim|optimizers?|optimizer_v\d|(gen_)?training_ops|lr_scheduler|swa_utils"
                   r"|_fused_(sgd|adam|adamw|adagrad)_?|(Resource)?(Sparse)?Apply[A-Z]\w*|(resource_)?(sparse_)?apply_\w+"
                   r"|(?i:sgd|asgd)|Adam\w*|N[Aa]dam|RAdam|Adamax|Adagrad\w*|Adadelta|Adafactor|RMSprop|RMSProp|Rprop"
                   r"|Ftrl|Lamb|Lion|LBFGS|Muon|SparseAdam|\w*Optimizer\w*|GradientDescent\w*"
                   r"|minimize|fit|train_on_batch|train_step|make_train_function|fit_classifier")
OPTIMIZER_METHODS = r"compile|optimizer"  # on a model: model.compile(optimizer="sgd"); model.optimizer

TORCH_OPTIMIZERS = ("torch.optim", "torch._fused_sgd_", "torch._fused_adam_", "torch._fused_adamw_",
                    "torch.ops.aten._fused_sgd_", "torch.ops.aten._fused_adam_", "torch.ops.aten._fused_adamw_",
                    "torch.ops.aten._fused_adagrad_")
TENSORFLOW_OPTIMIZERS = ("keras.optimizers", "tensorflow.keras.optimizers", "tensorflow.optimizers",
                         "tensorflow.compat.v1.train", "tensorflow.compat.v1.keras.optimizers",
                         "tensorflow.compat.v2.keras.optimizers", "keras.src.optimizers",
                         "keras.src.backend.tensorflow.optimizer", "keras._tf_keras.keras.optimizers",
                         "tensorflow.python.training", "tensorflow.python.keras.optimizer_v2",
                         "tensorflow.python.keras.optimizers", "tensorflow.python.ops.gen_training_ops",
                         "tensorflow.raw_ops.ApplyGradientDescent", "tensorflow.raw_ops.ResourceApplyGradientDescent",
                         "tensorflow.keras.Model.fit", "student_helpers.tf_training.fit_classifier")

_BUILTIN_BN = {"torch": "PyTorch's built-in batch norm", "tensorflow": "TensorFlow's or Keras' built-in batch norm"}
_OPTIMIZER = {"torch": "an optimizer (torch.optim)", "tensorflow": "an optimizer (keras.optimizers)"}
_BATCH_NORM = {"torch": TORCH_BATCH_NORM, "tensorflow": TENSORFLOW_BATCH_NORM}
_OPTIMIZERS = {"torch": TORCH_OPTIMIZERS, "tensorflow": TENSORFLOW_OPTIMIZERS}


def rule(framework: str, grade_id: str) -> Rule:
    """The method rule of a graded cell of the batch-norm lab."""
    if grade_id == "check_batch_norm":
        return Rule(f"batch_norm must be written from scratch, without {_BUILTIN_BN[framework]}", ("batch_norm",),
                    _BATCH_NORM[framework], BATCH_NORM_PARTS)
    if grade_id == "check_batchnorm_layer":
        # The checks put a correct batch_norm in place of the student's (CheckBatchNormLayer): the layer is judged
        # on its own code; a wrong batch_norm loses its own cell.
        return Rule(f"BatchNorm must be written from scratch (with your batch_norm), without {_BUILTIN_BN[framework]}",
                    ("BatchNorm",), _BATCH_NORM[framework], BATCH_NORM_PARTS, not_followed=("batch_norm",),
                    must_use=("batch_norm",))
    if grade_id == "check_sgd_epoch":
        return Rule(f"sgd_epoch must update the parameters by hand, without {_OPTIMIZER[framework]}", ("sgd_epoch",),
                    _OPTIMIZERS[framework], OPTIMIZER_PARTS, OPTIMIZER_METHODS)
    raise LookupError(f"no method rule for {grade_id!r}")
