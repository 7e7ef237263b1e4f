"""Bug catalogue and alternatives for the PyTorch residual-architectures hackathon (assignment resnet_torch)."""
from instructor_only.catalogue import Alternative, Bug

# --- custom_dense ----------------------------------------------------------------------------------------------------

_DENSE_FORWARD = """
            def forward(self, x):
                self.calls += 1
                return x @ self.kernel + self.bias
"""

CUSTOM_DENSE = [
    Bug("custom_dense", "counter_is_python_int", "keeps the count in a plain Python int attribute", """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.calls = 0
    """ + _DENSE_FORWARD),
    Bug("custom_dense", "counter_is_frozen_parameter", "makes the counter an nn.Parameter with requires_grad=False", """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.calls = nn.Parameter(torch.tensor(0, dtype=torch.int64), requires_grad=False)

            def forward(self, x):
                with torch.no_grad():
                    self.calls += 1
                return x @ self.kernel + self.bias
    """),
    Bug("custom_dense", "counts_only_in_training", "increments the counter only in training mode", """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))

            def forward(self, x):
                if self.training:
                    self.calls += 1
                return x @ self.kernel + self.bias
    """),
    Bug("custom_dense", "kernel_transposed", "stores the kernel as (units, in_features), like nn.Linear", """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(units, in_features).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))

            def forward(self, x):
                self.calls += 1
                return x @ self.kernel.T + self.bias
    """),
    Bug("custom_dense", "normal_initialization", "initialises the kernel with a standard normal", """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                self.kernel = nn.Parameter(torch.randn(in_features, units))
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))
    """ + _DENSE_FORWARD),
    Alternative("custom_dense", "init_helpers_and_addmm", "nn.init.uniform_, torch.zeros buffer, addmm, in-place add_", """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                self.kernel = nn.Parameter(torch.empty(in_features, units))
                nn.init.uniform_(self.kernel, -in_features ** -0.5, in_features ** -0.5)
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.zeros((), dtype=torch.long))

            def forward(self, x):
                self.calls.add_(1)
                return torch.addmm(self.bias, x, self.kernel)
    """),
    Alternative("custom_dense", "rescaled_rand_and_reassigned_buffer", "scales torch.rand, reassigns the buffer", """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                limit = 1.0 / math.sqrt(in_features)
                self.kernel = nn.Parameter((2 * torch.rand(in_features, units) - 1) * limit)
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0))

            def forward(self, x):
                self.calls = self.calls + 1
                return F.linear(x, self.kernel.T, self.bias)
    """),
]

# --- basic_block -------------------------------------------------------------------------------------------------------

_BASIC_INIT = """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)
"""
_BASIC_FORWARD = """
            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
"""

BASIC_BLOCK = [
    Bug("basic_block", "relu_before_addition", "applies the ReLU to the residual branch before adding", _BASIC_INIT + """
            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = torch.relu(self.bn2(self.conv2(out)))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug("basic_block", "no_final_relu", "returns residual + shortcut without the final ReLU", _BASIC_INIT + """
            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return out + shortcut
    """),
    Bug("basic_block", "projection_only_when_strided", "projects the shortcut only when stride != 1", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                if stride == 1:
                    self.shortcut_conv = self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)
    """ + _BASIC_FORWARD),
    Bug("basic_block", "projection_without_bn", "projects the shortcut with a 1x1 conv but no batch norm", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                self.shortcut_conv = self.shortcut_bn = None
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_conv(x)
                return torch.relu(out + shortcut)
    """),
    Bug("basic_block", "stride_on_second_conv", "downsamples in conv2 instead of conv1", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)
    """ + _BASIC_FORWARD),
    Bug("basic_block", "bias_before_bn", "leaves the default bias on every convolution", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
                self.bn2 = nn.BatchNorm2d(out_channels)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)
    """ + _BASIC_FORWARD),
    Alternative("basic_block", "relu_module_in_place_add", "an nn.ReLU module and an in-place addition (torchvision style)", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.relu = nn.ReLU(inplace=True)
                self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                self.shortcut_conv = None
                self.shortcut_bn = None
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                identity = x
                out = self.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                if self.shortcut_conv is not None:
                    identity = self.shortcut_bn(self.shortcut_conv(x))
                out += identity
                return self.relu(out)
    """),
    Alternative("basic_block", "projection_flag_functional", "a stored flag, tuple padding, F.relu and torch.add", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.project = stride != 1 or in_channels != out_channels
                self.conv1 = nn.Conv2d(in_channels, out_channels, (3, 3), (stride, stride), (1, 1), bias=False)
                self.conv2 = nn.Conv2d(out_channels, out_channels, (3, 3), (1, 1), (1, 1), bias=False)
                self.bn1, self.bn2 = nn.BatchNorm2d(out_channels), nn.BatchNorm2d(out_channels)
                self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride, bias=False) if self.project else None
                self.shortcut_bn = nn.BatchNorm2d(out_channels) if self.project else None

            def forward(self, x):
                residual = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
                skip = self.shortcut_bn(self.shortcut_conv(x)) if self.project else x
                return F.relu(torch.add(residual, skip))
    """),
]

# --- bottleneck_block ---------------------------------------------------------------------------------------------------

_BOTTLENECK_SHORTCUT = """
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)
"""
_BOTTLENECK_FORWARD = """
            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = torch.relu(self.bn2(self.conv2(out)))
                out = self.bn3(self.conv3(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
"""


def _bottleneck(width_expr: str, stride1: str, stride2: str, check: bool = True, shortcut: str = _BOTTLENECK_SHORTCUT,
                forward: str = _BOTTLENECK_FORWARD) -> str:
    raise_line = """                if out_channels % 4:
                    raise ValueError("out_channels must be divisible by 4")
""" if check else ""
    return f"""
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
{raise_line}                width = {width_expr}
                self.conv1 = nn.Conv2d(in_channels, width, 1, stride={stride1}, bias=False)
                self.bn1 = nn.BatchNorm2d(width)
                self.conv2 = nn.Conv2d(width, width, 3, stride={stride2}, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(width)
                self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
                self.bn3 = nn.BatchNorm2d(out_channels)
""" + shortcut.lstrip("\n") + forward


BOTTLENECK_BLOCK = [
    Bug("bottleneck_block", "width_not_reduced", "keeps width = out_channels (no 4x reduction)",
        _bottleneck("out_channels", "1", "stride")),
    Bug("bottleneck_block", "stride_on_first_conv", "puts the stride on the first 1x1 convolution",
        _bottleneck("out_channels // 4", "stride", "1")),
    Bug("bottleneck_block", "no_relu_after_middle_conv", "forgets the ReLU after bn2",
        _bottleneck("out_channels // 4", "1", "stride", forward="""
            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                out = self.bn3(self.conv3(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
        """)),
    Bug("bottleneck_block", "projection_only_when_strided", "projects the shortcut only when stride != 1",
        _bottleneck("out_channels // 4", "1", "stride", shortcut="""
                if stride == 1:
                    self.shortcut_conv = self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)
        """)),
    Bug("bottleneck_block", "accepts_indivisible_channels", "never raises ValueError (width rounds down silently)",
        _bottleneck("max(out_channels // 4, 1)", "1", "stride", check=False)),
    Alternative("bottleneck_block", "divmod_and_method_chaining", "divmod for the width, .relu() chaining", """
        class Bottleneck(nn.Module):
            expansion = 4

            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                width, remainder = divmod(out_channels, self.expansion)
                if remainder != 0:
                    raise ValueError(f"{out_channels} output channels are not a multiple of {self.expansion}")
                self.conv1, self.bn1 = nn.Conv2d(in_channels, width, 1, bias=False), nn.BatchNorm2d(width)
                self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=(1, 1), bias=False)
                self.bn2 = nn.BatchNorm2d(width)
                self.conv3, self.bn3 = nn.Conv2d(width, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels)
                needs_projection = stride > 1 or in_channels != out_channels
                self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False) if needs_projection else None
                self.shortcut_bn = nn.BatchNorm2d(out_channels) if needs_projection else None

            def forward(self, x):
                out = self.bn1(self.conv1(x)).relu()
                out = self.bn2(self.conv2(out)).relu()
                out = self.bn3(self.conv3(out))
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x))
                return (out + x).relu()
    """),
    Alternative("bottleneck_block", "loop_over_layers", "loops over (conv, bn) pairs, ReLU between them", """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels % 4 != 0:
                    raise ValueError("Bottleneck needs out_channels divisible by 4")
                mid = out_channels // 4
                self.conv1 = nn.Conv2d(in_channels, mid, kernel_size=1, bias=False)
                self.conv2 = nn.Conv2d(mid, mid, kernel_size=3, stride=stride, padding=1, bias=False)
                self.conv3 = nn.Conv2d(mid, out_channels, kernel_size=1, bias=False)
                self.bn1, self.bn2, self.bn3 = nn.BatchNorm2d(mid), nn.BatchNorm2d(mid), nn.BatchNorm2d(out_channels)
                self.shortcut_conv = self.shortcut_bn = None
                if (in_channels, stride) != (out_channels, 1):
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                h = x
                pairs = [(self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)]
                for i, (conv, bn) in enumerate(pairs):
                    h = bn(conv(h))
                    if i < 2:
                        h = F.relu(h)
                skip = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return F.relu(h + skip)
    """),
]

# --- resnet ---------------------------------------------------------------------------------------------------------------

_RESNET_HEAD = """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
"""
_RESNET_STAGES = """
                stages, channels = [], stage_channels[0]
                for i, (out_channels, count) in enumerate(zip(stage_channels, blocks_per_stage)):
                    blocks = []
                    for j in range(count):
                        blocks.append(block(channels, out_channels, 2 if i > 0 and j == 0 else 1))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
"""


def _resnet(stages: str = _RESNET_STAGES, classifier: str = "nn.Linear(channels, num_classes)",
            head: str = "x.mean(dim=(2, 3))") -> str:
    return _RESNET_HEAD + stages.lstrip("\n") + f"""
                self.classifier = {classifier}

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                return self.classifier({head})
    """


RESNET = [
    Bug("resnet", "downsamples_in_first_stage", "gives the first block of EVERY stage stride 2", _resnet(stages="""
                stages, channels = [], stage_channels[0]
                for out_channels, count in zip(stage_channels, blocks_per_stage):
                    blocks = []
                    for j in range(count):
                        blocks.append(block(channels, out_channels, 2 if j == 0 else 1))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
    """)),
    Bug("resnet", "flattens_instead_of_pooling", "flattens the final 2x2 maps, assuming 8x8 inputs",
        _resnet(classifier="nn.Linear(channels * 2 * 2, num_classes)", head="x.flatten(1)")),
    Bug("resnet", "global_max_pooling", "pools the final maps with their maximum instead of their mean",
        _resnet(head="x.amax(dim=(2, 3))")),
    Bug("resnet", "stages_in_a_python_list", "keeps the stages in a plain list, so PyTorch never registers them",
        _resnet(stages=_RESNET_STAGES.replace("nn.ModuleList(stages)", "stages"))),
    Bug("resnet", "ignores_the_block_argument", "always builds BasicBlock, whatever block is passed",
        _resnet(stages=_RESNET_STAGES.replace("blocks.append(block(", "blocks.append(BasicBlock("))),
    Alternative("resnet", "adaptive_pool_and_stride_lists", "nn.AdaptiveAvgPool2d and a list of strides per stage", """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], kernel_size=3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                self.stages = nn.ModuleList()
                previous = stage_channels[0]
                for index, (width, depth) in enumerate(zip(stage_channels, blocks_per_stage)):
                    strides = [1 if index == 0 else 2] + [1] * (depth - 1)
                    layers = []
                    for stride in strides:
                        layers.append(block(previous, width, stride))
                        previous = width
                    self.stages.append(nn.Sequential(*layers))
                self.pool = nn.AdaptiveAvgPool2d(1)
                self.classifier = nn.Linear(previous, num_classes)

            def forward(self, x):
                out = F.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    out = stage(out)
                return self.classifier(torch.flatten(self.pool(out), 1))
    """),
    Alternative("resnet", "functional_pool_and_comprehension", "F.adaptive_avg_pool2d and list comprehensions", """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, padding="same", bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                inputs = [stage_channels[0]] + list(stage_channels[:-1])
                self.stages = nn.ModuleList(
                    nn.Sequential(*[block(c_in if j == 0 else c_out, c_out, 2 if (i and not j) else 1) for j in range(n)])
                    for i, (c_in, c_out, n) in enumerate(zip(inputs, stage_channels, blocks_per_stage)))
                self.classifier = nn.Linear(stage_channels[-1], num_classes, bias=True)

            def forward(self, x):
                x = F.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                return self.classifier(F.adaptive_avg_pool2d(x, 1).flatten(start_dim=1))
    """),
]

# --- dense_block ------------------------------------------------------------------------------------------------------------

_DENSE_INIT = """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                channels = [in_channels + i * growth_rate for i in range(num_layers)]
                self.norms = nn.ModuleList(nn.BatchNorm2d(c) for c in channels)
                self.convs = nn.ModuleList(nn.Conv2d(c, growth_rate, 3, padding=1, bias=False) for c in channels)
"""
_DENSE_FWD = """
            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    x = torch.cat([x, conv(torch.relu(norm(x)))], dim=1)
                return x
"""
_TRANSITION = """

        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                return F.avg_pool2d(self.conv(torch.relu(self.norm(x))), 2)
"""

DENSE_BLOCK = [
    Bug("dense_block", "new_features_first", "concatenates the new features BEFORE the input", _DENSE_INIT + """
            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    x = torch.cat([conv(torch.relu(norm(x))), x], dim=1)
                return x
    """ + _TRANSITION),
    Bug("dense_block", "transition_max_pooling", "pools with max instead of average in the transition",
        _DENSE_INIT + _DENSE_FWD + _TRANSITION.replace("F.avg_pool2d", "F.max_pool2d")),
    Bug("dense_block", "post_activation_order", "conv -> BN -> ReLU (post-activation) in the dense layers", """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                channels = [in_channels + i * growth_rate for i in range(num_layers)]
                self.norms = nn.ModuleList(nn.BatchNorm2d(growth_rate) for c in channels)
                self.convs = nn.ModuleList(nn.Conv2d(c, growth_rate, 3, padding=1, bias=False) for c in channels)

            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    x = torch.cat([x, torch.relu(norm(conv(x)))], dim=1)
                return x
    """ + _TRANSITION),
    Bug("dense_block", "every_layer_reads_the_input", "every layer reads only the block's input, not the growing stack", """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList(nn.BatchNorm2d(in_channels) for _ in range(num_layers))
                self.convs = nn.ModuleList(nn.Conv2d(in_channels, growth_rate, 3, padding=1, bias=False)
                                           for _ in range(num_layers))

            def forward(self, x):
                return torch.cat([x] + [conv(torch.relu(norm(x))) for norm, conv in zip(self.norms, self.convs)], dim=1)
    """ + _TRANSITION),
    Bug("dense_block", "transition_conv_with_bias", "leaves the bias on the transition's 1x1 convolution",
        _DENSE_INIT + _DENSE_FWD + _TRANSITION.replace(", 1, bias=False)", ", 1)")),
    Alternative("dense_block", "feature_list_and_pool_module", "keeps a list of feature maps; nn.AvgPool2d module", """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms, self.convs = nn.ModuleList(), nn.ModuleList()
                for i in range(num_layers):
                    channels = in_channels + i * growth_rate
                    self.norms.append(nn.BatchNorm2d(channels))
                    self.convs.append(nn.Conv2d(channels, growth_rate, kernel_size=3, stride=1, padding=1, bias=False))

            def forward(self, x):
                features = [x]
                for norm, conv in zip(self.norms, self.convs):
                    features.append(conv(F.relu(norm(torch.cat(features, dim=1)))))
                return torch.cat(features, dim=1)


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False)
                self.pool = nn.AvgPool2d(kernel_size=2, stride=2)

            def forward(self, x):
                return self.pool(self.conv(F.relu(self.norm(x))))
    """),
    Alternative("dense_block", "pool_before_the_1x1_conv", "pools before the 1x1 conv (they commute; 4x cheaper)",
                _DENSE_INIT + _DENSE_FWD + """

        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                # a 1x1 convolution without bias and an average pool are both linear, so their order does not matter
                return self.conv(F.avg_pool2d(torch.relu(self.norm(x)), kernel_size=2, stride=2))
    """),
]

# --- block_costs ------------------------------------------------------------------------------------------------------------


def _costs(bn_per_channel: str = "2", positions: str = "size * size", width: str = "channels // 4") -> str:
    return f"""
        def block_costs(channels, size):
            def conv(c_in, c_out, k):
                return c_in * c_out * k * k

            width = {width}
            positions = {positions}
            basic_convs = 2 * conv(channels, channels, 3)
            bottleneck_convs = conv(channels, width, 1) + conv(width, width, 3) + conv(width, channels, 1)
            return {{"basic": (basic_convs + {bn_per_channel} * (2 * channels), positions * basic_convs),
                    "bottleneck": (bottleneck_convs + {bn_per_channel} * (width + width + channels), positions * bottleneck_convs)}}
    """


BLOCK_COSTS = [
    Bug("block_costs", "counts_running_statistics", "counts 4 numbers per BN channel (gamma, beta, running mean, var)",
        _costs(bn_per_channel="4")),
    Bug("block_costs", "forgets_batch_norm", "counts only the convolution weights", _costs(bn_per_channel="0")),
    Bug("block_costs", "forgets_positions", "counts the multiply-adds of one output position only",
        _costs(positions="1")),
    Bug("block_costs", "float_width", "computes the width with / and returns floats", _costs(width="channels / 4")),
    Alternative("block_costs", "counts_real_layers", "builds the layers and counts with numel()", """
        def block_costs(channels, size):
            def cost(layers):
                params = sum(p.numel() for layer in layers for p in layer.parameters())
                mult_adds = sum(layer.weight.numel() * size * size for layer in layers if isinstance(layer, nn.Conv2d))
                return params, mult_adds

            c, w = channels, channels // 4
            basic = [nn.Conv2d(c, c, 3, bias=False), nn.BatchNorm2d(c), nn.Conv2d(c, c, 3, bias=False), nn.BatchNorm2d(c)]
            bottleneck = [nn.Conv2d(c, w, 1, bias=False), nn.BatchNorm2d(w), nn.Conv2d(w, w, 3, bias=False),
                          nn.BatchNorm2d(w), nn.Conv2d(w, c, 1, bias=False), nn.BatchNorm2d(c)]
            return {"basic": cost(basic), "bottleneck": cost(bottleneck)}
    """),
    Alternative("block_costs", "closed_form", "closed-form polynomials in the channel count", """
        def block_costs(channels, size):
            c, w, hw = channels, channels // 4, size ** 2
            basic = (18 * c * c + 4 * c, 18 * c * c * hw)
            bottleneck_weights = 2 * c * w + 9 * w * w
            bottleneck = (bottleneck_weights + 4 * w + 2 * c, bottleneck_weights * hw)
            return {"basic": basic, "bottleneck": bottleneck}
    """),
]

ENTRIES = CUSTOM_DENSE + BASIC_BLOCK + BOTTLENECK_BLOCK + RESNET + DENSE_BLOCK + BLOCK_COSTS
