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


# Written blind for issue 14 by a tester who saw only the release notebook (not the checks or the entries above).
# Entries marked RECLASSIFIED were submitted as bugs but are correct under the docstrings as clarified then.
BLIND_ROUND_1 = [
    Bug('custom_dense', 'kernel_init_only_positive',
        "kernel drawn with torch.rand(...) * bound, i.e. uniform in [0, 1/sqrt(in_features)), violating 'kernel: ... initialised uniformly in [-1/sqrt(in_features), 1/sqrt(in_features)]' (the public check only bounds |kernel|, so it passes).", '''
        class CountingDense(nn.Module):
            """y = x @ kernel + bias, counting its forward calls."""

            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.rand(in_features, units) * bound)
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0))

            def forward(self, x):
                self.calls += 1
                return x @ self.kernel + self.bias
    '''),
    Bug('custom_dense', 'shared_calls_counter_across_instances',
        "every instance registers the same class-level zero tensor as its 'calls' buffer and increments it in place, so all CountingDense layers share one counter; violates 'calls: buffer, a 0-d int64 tensor that starts at 0 and grows by 1 on every forward call' (a second layer does not start at 0 and counts the other layer's calls).", '''
        class CountingDense(nn.Module):
            """y = x @ kernel + bias, counting its forward calls."""

            _ZERO = torch.zeros((), dtype=torch.int64)

            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", CountingDense._ZERO)

            def forward(self, x):
                self.calls.add_(1)
                return x @ self.kernel + self.bias
    '''),
    Alternative('custom_dense', 'addmm_and_reassigned_buffer',
        'kernel initialised with nn.init.uniform_, forward uses torch.addmm(bias, x, kernel) and the counter is updated by reassigning self.calls = self.calls + 1 (Module.__setattr__ keeps it a registered int64 buffer); same maths and same state.', '''
        class CountingDense(nn.Module):
            """y = x @ kernel + bias, counting its forward calls."""

            def __init__(self, in_features, units):
                super().__init__()
                self.in_features, self.units = in_features, units
                bound = 1.0 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units))
                nn.init.uniform_(self.kernel, -bound, bound)
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.zeros((), dtype=torch.long))

            def forward(self, x):
                self.calls = self.calls + 1
                return torch.addmm(self.bias, x, self.kernel)

            def extra_repr(self):
                return f"in_features={self.in_features}, units={self.units}"
    '''),
    Bug('basic_block', 'keras_batchnorm_hyperparameters',
        "batch norms built as nn.BatchNorm2d(c, eps=1e-3, momentum=0.01) (Keras-style values), violating 'Batch norms use PyTorch's defaults' (training-mode outputs and running statistics differ from the reference; the public check only runs eval mode on fresh statistics).", '''
        class BasicBlock(nn.Module):
            """ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x))."""

            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                bn = lambda c: nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = bn(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = bn(out_channels)
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = bn(out_channels)
                else:
                    self.shortcut_conv = None
                    self.shortcut_bn = None

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + x)
    '''),
    Bug('basic_block', 'projection_is_3x3_with_bias',
        "the projection shortcut is a 3x3 convolution (padding 1) with a bias, violating 'otherwise nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False) and nn.BatchNorm2d' (the public check rebuilds the forward from the block's own shortcut layers and checks only conv1/conv2 bias).", '''
        class BasicBlock(nn.Module):
            """ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x))."""

            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                self.shortcut_conv = None
                self.shortcut_bn = None
                if stride != 1 or in_channels != out_channels:
                    # project the input so it matches the residual branch
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                residual = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(residual + shortcut)
    '''),
    Alternative('basic_block', 'torchvision_style_relu_module_inplace',
        'torchvision-style: a shared nn.ReLU(inplace=True) module (no parameters), in-place addition on the residual tensor (never on the input), and the shortcut picked in __init__; identical output, parameters and buffers.', '''
        class BasicBlock(nn.Module):
            """ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x))."""

            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.relu = nn.ReLU(inplace=True)
                self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                needs_projection = stride != 1 or in_channels != out_channels
                self.shortcut_conv = (nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)
                                      if needs_projection else None)
                self.shortcut_bn = nn.BatchNorm2d(out_channels) if needs_projection else None

            def forward(self, x):
                identity = x
                out = self.conv1(x)
                out = self.bn1(out)
                out = self.relu(out)
                out = self.conv2(out)
                out = self.bn2(out)
                if self.shortcut_conv is not None:
                    identity = self.shortcut_bn(self.shortcut_conv(x))
                out += identity
                return self.relu(out)
    '''),
    Bug('bottleneck_block', 'identity_when_channels_match_ignores_stride',
        "the shortcut is the identity whenever in_channels == out_channels, even at stride 2, violating 's(x) = x (the identity) when the block keeps the shape: stride 1 and in_channels == out_channels' (Bottleneck(16, 16, 2) then fails to add a (H, W) input to a (H/2, W/2) residual; no public case has equal channels with stride 2).", '''
        class Bottleneck(nn.Module):
            """ReLU(bn3(conv3(ReLU(bn2(conv2(ReLU(bn1(conv1(x)))))))) + shortcut(x)), width = out_channels // 4."""

            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels % 4:
                    raise ValueError("out_channels must be a multiple of 4")
                width = out_channels // 4
                self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(width)
                self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(width)
                self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
                self.bn3 = nn.BatchNorm2d(out_channels)
                if in_channels == out_channels:
                    self.shortcut_conv = self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = torch.relu(self.bn2(self.conv2(out)))
                out = self.bn3(self.conv3(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    '''),
    Bug('bottleneck_block', 'inplace_add_into_input',
        "the identity path adds the residual into the input tensor in place (x += out; relu_), so calling the block overwrites the caller's x; the block must compute 'ReLU(... + shortcut(x))' as a function of x, and in training the in-place op on x also breaks autograd when x requires grad (the public check catches it: x changes between the reference and the block's output).", '''
        class Bottleneck(nn.Module):
            """ReLU(bn3(conv3(ReLU(bn2(conv2(ReLU(bn1(conv1(x)))))))) + shortcut(x)), width = out_channels // 4."""

            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels % 4 != 0:
                    raise ValueError(f"out_channels={out_channels} is not divisible by 4")
                width = out_channels // 4
                self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(width)
                self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(width)
                self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
                self.bn3 = nn.BatchNorm2d(out_channels)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = torch.relu(self.bn2(self.conv2(out)))
                out = self.bn3(self.conv3(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                shortcut += out
                return torch.relu_(shortcut)
    '''),
    Bug('bottleneck_block', 'valueerror_also_on_in_channels',
        "raises ValueError unless both in_channels and out_channels are multiples of 4, so e.g. Bottleneck(3, 16) or Bottleneck(6, 8) refuses to build; violates 'If out_channels is not a multiple of 4 the block cannot be built: raise a ValueError' (only out_channels matters: conv1 accepts any in_channels).", '''
        class Bottleneck(nn.Module):
            """ReLU(bn3(conv3(ReLU(bn2(conv2(ReLU(bn1(conv1(x)))))))) + shortcut(x)), width = out_channels // 4."""

            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if in_channels % 4 != 0 or out_channels % 4 != 0:
                    raise ValueError("bottleneck channels must be multiples of the expansion (4)")
                width = out_channels // 4
                self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(width)
                self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(width)
                self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
                self.bn3 = nn.BatchNorm2d(out_channels)
                identity = stride == 1 and in_channels == out_channels
                self.shortcut_conv = None if identity else nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                self.shortcut_bn = None if identity else nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = torch.relu(self.bn2(self.conv2(out)))
                out = self.bn3(self.conv3(out))
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + x)
    '''),
    Alternative('bottleneck_block', 'sequential_branch_with_functional_relu',
        'checks divisibility with divmod before building anything, keeps the shortcut as a small helper method and uses F.relu; same layers (same attribute names, same registration) and same output.', '''
        class Bottleneck(nn.Module):
            """ReLU(bn3(conv3(ReLU(bn2(conv2(ReLU(bn1(conv1(x)))))))) + shortcut(x)), width = out_channels // 4."""

            expansion = 4

            def __init__(self, in_channels, out_channels, stride=1):
                width, rest = divmod(out_channels, self.expansion)
                if rest:
                    raise ValueError(f"Bottleneck needs out_channels divisible by {self.expansion}, got {out_channels}")
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, width, kernel_size=1, bias=False)
                self.bn1 = nn.BatchNorm2d(width)
                self.conv2 = nn.Conv2d(width, width, kernel_size=3, stride=stride, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(width)
                self.conv3 = nn.Conv2d(width, out_channels, kernel_size=1, bias=False)
                self.bn3 = nn.BatchNorm2d(out_channels)
                self.shortcut_conv = None
                self.shortcut_bn = None
                if not (stride == 1 and in_channels == out_channels):
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def _shortcut(self, x):
                if self.shortcut_conv is None:
                    return x
                return self.shortcut_bn(self.shortcut_conv(x))

            def forward(self, x):
                h = F.relu(self.bn1(self.conv1(x)))
                h = F.relu(self.bn2(self.conv2(h)))
                h = self.bn3(self.conv3(h))
                return F.relu(h + self._shortcut(x))
    '''),
    Bug('resnet', 'fixed_2x2_avgpool_head',
        "the head is F.avg_pool2d(x, 2) followed by flatten, which is the global mean only when the last map is 2x2 or 3x3; violates 'global average pooling (the mean over H and W of each channel, whatever the image size)' (16x16 inputs crash, 4x4 final maps average only a corner; the public 12x12 case ends at 3x3, where it happens to give a 1x1 map).", '''
        class ResNet(nn.Module):
            """stem -> stages of `block`s -> global average pooling -> classifier (logits)."""

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                prev = stage_channels[0]
                for i, (channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    layers = []
                    for j in range(n_blocks):
                        layers.append(block(prev, channels, 2 if i > 0 and j == 0 else 1))
                        prev = channels
                    stages.append(nn.Sequential(*layers))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(stage_channels[-1], num_classes)

            def forward(self, x):
                x = F.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                x = F.avg_pool2d(x, 2)  # 8x8 digits end at 2x2
                return self.classifier(torch.flatten(x, 1))
    '''),
    Bug('resnet', 'stem_without_relu_and_hardcoded_input_channels',
        "the stem is conv -> BN with no ReLU and the stem convolution always reads 1 channel, violating 'stem: 3x3 convolution (stride 1, no bias) from the input channels to stage_channels[0], BN, ReLU' (public checks only test shapes/layout with in_channels=1).", '''
        class ResNet(nn.Module):
            """stem -> stages of `block`s -> global average pooling -> classifier (logits)."""

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(1, stage_channels[0], 3, padding=1, bias=False)  # grayscale digits
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                self.stages = nn.ModuleList()
                in_c = stage_channels[0]
                for i in range(len(stage_channels)):
                    blocks = []
                    for j in range(blocks_per_stage[i]):
                        stride = 2 if (j == 0 and i != 0) else 1
                        blocks.append(block(in_c, stage_channels[i], stride))
                        in_c = stage_channels[i]
                    self.stages.append(nn.Sequential(*blocks))
                self.classifier = nn.Linear(in_c, num_classes)

            def forward(self, x):
                out = self.stem_bn(self.stem_conv(x))
                for stage in self.stages:
                    out = stage(out)
                out = out.mean(dim=(2, 3))
                return self.classifier(out)
    '''),
    Alternative('resnet', 'adaptive_pool_and_list_comprehension_stages',
        'stages built with a list comprehension over (in, out, stride) triples, head written as adaptive_avg_pool2d(x, 1) + flatten (the same global mean for any size), stem ReLU in place; same modules and same forward.', '''
        class ResNet(nn.Module):
            """stem -> stages of `block`s -> global average pooling -> classifier (logits)."""

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                assert len(stage_channels) == len(blocks_per_stage)
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], kernel_size=3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                inputs = [stage_channels[0]] + list(stage_channels[:-1])
                self.stages = nn.ModuleList(
                    nn.Sequential(*[
                        block(c_in if j == 0 else c_out, c_out, 2 if (i > 0 and j == 0) else 1)
                        for j in range(n)
                    ])
                    for i, (c_in, c_out, n) in enumerate(zip(inputs, stage_channels, blocks_per_stage))
                )
                self.classifier = nn.Linear(stage_channels[-1], num_classes, bias=True)

            def forward(self, x):
                x = F.relu(self.stem_bn(self.stem_conv(x)), inplace=True)
                for stage in self.stages:
                    x = stage(x)
                x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
                return self.classifier(x)
    '''),
    Bug('dense_block', 'dense_layer_post_relu_order',
        'each dense layer computes ReLU(conv(BN(x))) instead of conv(ReLU(BN(x))), violating \'Each layer is "pre-activation": BN → ReLU → 3x3 convolution\' (public checks test the dense block only on shapes, channel counts and the input coming first).', '''
        class DenseBlock(nn.Module):
            """num_layers x [BN -> ReLU -> 3x3 conv], each output concatenated after its input."""

            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList([nn.BatchNorm2d(in_channels + i * growth_rate) for i in range(num_layers)])
                self.convs = nn.ModuleList([nn.Conv2d(in_channels + i * growth_rate, growth_rate, 3, padding=1, bias=False)
                                            for i in range(num_layers)])

            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    new = torch.relu(conv(norm(x)))
                    x = torch.cat([x, new], dim=1)
                return x


        class TransitionBlock(nn.Module):
            """BN -> ReLU -> 1x1 conv (no bias) -> 2x2 average pooling, stride 2."""

            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)
                self.pool = nn.AvgPool2d(2, stride=2)

            def forward(self, x):
                return self.pool(self.conv(torch.relu(self.norm(x))))
    '''),
    Bug('dense_block', 'transition_pool_ceil_mode',
        "the transition pools with nn.AvgPool2d(2, ceil_mode=True), so odd maps give ceil(H/2) (the last row/column averaged alone), violating 'TransitionBlock(in_channels, out_channels): (N, in_channels, H, W) -> (N, out_channels, H // 2, W // 2)' (the public check uses 8x8 only).", '''
        class DenseBlock(nn.Module):
            """num_layers x [BN -> ReLU -> 3x3 conv], each output concatenated after its input."""

            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList()
                self.convs = nn.ModuleList()
                channels = in_channels
                for _ in range(num_layers):
                    self.norms.append(nn.BatchNorm2d(channels))
                    self.convs.append(nn.Conv2d(channels, growth_rate, 3, padding=1, bias=False))
                    channels += growth_rate

            def forward(self, x):
                for i in range(len(self.convs)):
                    x = torch.cat([x, self.convs[i](F.relu(self.norms[i](x)))], dim=1)
                return x


        class TransitionBlock(nn.Module):
            """BN -> ReLU -> 1x1 conv (no bias) -> 2x2 average pooling, stride 2."""

            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)
                self.pool = nn.AvgPool2d(2, stride=2, ceil_mode=True)  # don't lose the last row on odd sizes

            def forward(self, x):
                return self.pool(self.conv(F.relu(self.norm(x))))
    '''),
    Alternative('dense_block', 'feature_list_concat_and_pool_before_conv',
        "keeps a list of feature maps and concatenates all of them for each layer (DenseNet's original formulation), and the transition pools before the 1x1 convolution, which is equal because a bias-free 1x1 convolution and average pooling are both linear and commute (4x cheaper).", '''
        class DenseBlock(nn.Module):
            """num_layers x [BN -> ReLU -> 3x3 conv], each output concatenated after its input."""

            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.growth_rate = growth_rate
                self.norms = nn.ModuleList(nn.BatchNorm2d(in_channels + i * growth_rate) for i in range(num_layers))
                self.convs = nn.ModuleList(
                    nn.Conv2d(in_channels + i * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)
                    for i in range(num_layers))

            def forward(self, x):
                features = [x]
                for norm, conv in zip(self.norms, self.convs):
                    inputs = torch.cat(features, dim=1)
                    features.append(conv(F.relu(norm(inputs))))
                return torch.cat(features, dim=1)


        class TransitionBlock(nn.Module):
            """BN -> ReLU -> 1x1 conv (no bias) -> 2x2 average pooling, stride 2."""

            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False)

            def forward(self, x):
                # a 1x1 convolution without bias commutes with average pooling: pool first, convolve 4x fewer positions
                return self.conv(F.avg_pool2d(F.relu(self.norm(x)), kernel_size=2, stride=2))
    '''),
    Bug('block_costs', 'bottleneck_expand_madds_copy_paste_width',
        "the bottleneck's third (expansion) 1x1 convolution is counted as width -> width in the multiply-adds (copy-paste of the first term), while the parameter count is right; violates 'multiply-adds: only the convolutions, out_h * out_w * out_channels * in_channels * kh * kw each' (the public check tests only the basic block's multiply-adds).", '''
        def block_costs(channels, size):
            """Parameters and multiply-adds of a channels -> channels block at stride 1 on size x size maps."""
            c = channels
            w = channels // 4
            hw = size * size
            basic_params = 2 * (c * c * 9) + 2 * (2 * c)
            basic_madds = 2 * hw * c * c * 9
            bottleneck_params = (c * w) + (w * w * 9) + (w * c) + 2 * w + 2 * w + 2 * c
            bottleneck_madds = hw * w * c + hw * w * w * 9 + hw * w * w
            return {"basic": (basic_params, basic_madds), "bottleneck": (bottleneck_params, bottleneck_madds)}
    '''),
    Alternative('block_costs', 'bottleneck_expansion_to_4_width',
        "RECLASSIFIED (channels is a multiple of 4: the docstring now says so): the bottleneck expands to 4 * width instead of back to channels (and its last BN has 4 * width channels), which differs whenever channels is not a multiple of 4; violates 'a channels -> channels block ... For the bottleneck, width = channels // 4' (public checks use 16 channels).", '''
        def block_costs(channels, size):
            """Parameters and multiply-adds of a channels -> channels block at stride 1 on size x size maps."""
            expansion = 4
            width = channels // expansion

            def conv(c_in, c_out, k):
                weights = c_in * c_out * k * k
                return weights, size * size * weights

            def bn(c):
                return 2 * c, 0

            basic = [conv(channels, channels, 3), bn(channels), conv(channels, channels, 3), bn(channels)]
            bottleneck = [conv(channels, width, 1), bn(width), conv(width, width, 3), bn(width),
                          conv(width, width * expansion, 1), bn(width * expansion)]
            total = lambda parts: (int(sum(p for p, _ in parts)), int(sum(m for _, m in parts)))
            return {"basic": total(basic), "bottleneck": total(bottleneck)}
    '''),
    Alternative('block_costs', 'count_with_real_modules',
        "builds the actual nn.Conv2d / nn.BatchNorm2d layers and counts with p.numel() (running statistics are buffers, so they are excluded), and gets each convolution's multiply-adds as positions * weight.numel(); all values are Python ints.", '''
        def block_costs(channels, size):
            """Parameters and multiply-adds of a channels -> channels block at stride 1 on size x size maps."""
            width = channels // 4

            def cost(layers):
                params = sum(p.numel() for layer in layers for p in layer.parameters())
                mult_adds = sum(size * size * layer.weight.numel() for layer in layers if isinstance(layer, nn.Conv2d))
                return int(params), int(mult_adds)

            basic = [nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels),
                     nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)]
            bottleneck = [nn.Conv2d(channels, width, 1, bias=False), nn.BatchNorm2d(width),
                          nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width),
                          nn.Conv2d(width, channels, 1, bias=False), nn.BatchNorm2d(channels)]
            return {"basic": cost(basic), "bottleneck": cost(bottleneck)}
    '''),
]
ENTRIES += BLIND_ROUND_1


# Issue 25: kinds of bugs a blind test got past the hidden checks (ranges never visited, types on degenerate paths,
# structure, defaults, contract timing, tolerances). Each bug below was missed by the hidden checks alone
# (`--hidden-only`) before they were strengthened; each alternative is a correct variant a strengthened check must
# not fail.
_R25_BASIC_BODY = """
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

ROUND_25 = [
    Bug("custom_dense", "r25_counter_not_persistent",
        "registers calls with register_buffer(..., persistent=False): a buffer, but not saved in state_dict, whereas "
        "the contract wants state the model keeps with a checkpoint (kind 5: the buffer must be persistent)", """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64), persistent=False)
    """ + _DENSE_FORWARD),
    Bug("custom_dense", "r25_counter_grows_a_dimension",
        "adds a 1-element tensor to the counter (self.calls = self.calls + torch.ones(1, dtype=torch.long)): after "
        "the first call `calls` has shape (1,), no longer the documented 0-d int64 tensor (kind 2: type after calls)",
        """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))

            def forward(self, x):
                self.calls = self.calls + torch.ones(1, dtype=torch.long)
                return x @ self.kernel + self.bias
    """),
    Bug("basic_block", "r25_stride_has_no_default",
        "declares __init__(self, in_channels, out_channels, stride) without the documented default stride=1, so "
        "BasicBlock(4, 4) raises TypeError (kind 4: defaults)", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride):""" + _R25_BASIC_BODY + _BASIC_FORWARD),
    Bug("bottleneck_block", "r25_stride_defaults_to_two",
        "declares stride=2 as the default instead of the documented stride=1: Bottleneck(8, 8) halves the size "
        "(kind 4: defaults)",
        _bottleneck("out_channels // 4", "1", "stride").replace("out_channels, stride=1)", "out_channels, stride=2)")),
    Bug("resnet", "r25_fixed_stage_strides",
        "zips the stages with a fixed stride tuple (1, 2, 2): a ResNet with 4 stages silently loses its last stage "
        "(kind 1: stage_channels with another number of stages than the examples)", _resnet(stages="""
                stages, channels = [], stage_channels[0]
                for out_channels, count, stride in zip(stage_channels, blocks_per_stage, (1, 2, 2)):
                    blocks = []
                    for j in range(count):
                        blocks.append(block(channels, out_channels, stride if j == 0 else 1))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
    """).replace("nn.Linear(channels, num_classes)", "nn.Linear(stage_channels[-1], num_classes)")),
    Bug("resnet", "r25_squeezed_pooling",
        "pools with x.mean(dim=(2, 3), keepdim=True).squeeze(): for a batch of one image the logits have shape "
        "(num_classes,), not (1, num_classes) (kind 1: batch of 1)",
        _resnet(head="x.mean(dim=(2, 3), keepdim=True).squeeze()")),
    Bug("resnet", "r25_stages_in_a_sequential",
        "keeps the stages in an nn.Sequential of nn.Sequential instead of the documented nn.ModuleList of "
        "nn.Sequential (kind 3: structure; the public check asserts nn.ModuleList)",
        _resnet(stages=_RESNET_STAGES.replace("nn.ModuleList(stages)", "nn.Sequential(*stages)"))),
    Alternative("resnet", "r25_strides_listed_per_stage",
                "lists the first block's stride of every stage ([1] + [2] * (len(stage_channels) - 1)) and builds the "
                "blocks with a comprehension: correct for any number of stages (kind 1: the 4- and 1-stage checks "
                "must accept it)", """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                first_strides = [1] + [2] * (len(stage_channels) - 1)
                ins = [stage_channels[0], *stage_channels[:-1]]
                self.stages = nn.ModuleList(
                    nn.Sequential(*[block(c_in if j == 0 else c_out, c_out, s if j == 0 else 1) for j in range(n)])
                    for c_in, c_out, n, s in zip(ins, stage_channels, blocks_per_stage, first_strides))
                self.classifier = nn.Linear(stage_channels[-1], num_classes)

            def forward(self, x):
                x = F.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))
    """),
    Bug("block_costs", "r25_int32_products",
        "multiplies with numpy int32 (numpy's default integer on Windows before numpy 2) and converts with int(): "
        "correct for small blocks, overflows for 512 channels on 28x28 maps (kind 1: arguments beyond the examples)",
        """
        import numpy as np


        def block_costs(channels, size):
            def conv(c_in, c_out, k):
                return np.prod([c_in, c_out, k, k], dtype=np.int32)

            width = channels // 4
            positions = np.int32(size * size)
            basic_convs = 2 * conv(channels, channels, 3)
            bottleneck_convs = conv(channels, width, 1) + conv(width, width, 3) + conv(width, channels, 1)
            return {"basic": (int(basic_convs + 2 * (2 * channels)), int(positions * basic_convs)),
                    "bottleneck": (int(bottleneck_convs + 2 * (width + width + channels)),
                                   int(positions * bottleneck_convs))}
    """),
]
ENTRIES += ROUND_25

from instructor_only.catalogue.blind_round_4.resnet_torch import ENTRIES as BLIND_ROUND_4  # noqa: E402

ENTRIES += BLIND_ROUND_4
