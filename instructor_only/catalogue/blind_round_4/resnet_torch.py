"""Round-4 blind entries for resnet_torch (issue 25), as the tester wrote them (see the package's docstring)."""
from instructor_only.catalogue import Alternative, Bug

ENTRIES = [
    Bug('custom_dense', 'blind4_counts_only_in_training', 'calls grows only in training mode, but the contract counts every forward call, in evaluation mode too.', """
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
    Bug('custom_dense', 'blind4_kernel_uniform_zero_to_bound', 'the kernel is drawn from [0, 1/sqrt(in_features)) (torch.rand times the bound) instead of the symmetric interval [-bound, bound].', """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.rand(in_features, units) * bound)
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))

            def forward(self, x):
                self.calls += 1
                return x @ self.kernel + self.bias
    """),
    Bug('custom_dense', 'blind4_kernel_bound_one_over_fan_in', 'the bound is 1/in_features instead of 1/sqrt(in_features): the kernel is far too small (only right for in_features=1).', """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / in_features
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))

            def forward(self, x):
                self.calls += 1
                return x @ self.kernel + self.bias
    """),
    Bug('custom_dense', 'blind4_kaiming_fan_from_units', "uses nn.Linear's kaiming_uniform_(a=sqrt(5)) on the (in_features, units) kernel, whose fan_in PyTorch takes from dim 1 = units: the bound is 1/sqrt(units), right only when units == in_features.", """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                self.kernel = nn.Parameter(torch.empty(in_features, units))
                nn.init.kaiming_uniform_(self.kernel, a=math.sqrt(5))  # as nn.Linear does
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))

            def forward(self, x):
                self.calls += 1
                return x @ self.kernel + self.bias
    """),
    Bug('custom_dense', 'blind4_truncated_normal_init', 'the kernel comes from a truncated normal inside the bounds, not from the uniform distribution on [-1/sqrt(in_features), 1/sqrt(in_features)] the contract fixes.', """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units))
                nn.init.trunc_normal_(self.kernel, std=bound / 2, a=-bound, b=bound)
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))

            def forward(self, x):
                self.calls += 1
                return x @ self.kernel + self.bias
    """),
    Bug('custom_dense', 'blind4_buffer_not_persistent', 'calls is registered with persistent=False, so it is a buffer but is not saved in the state_dict (nor restored from a checkpoint).', """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64), persistent=False)

            def forward(self, x):
                self.calls += 1
                return x @ self.kernel + self.bias
    """),
    Bug('custom_dense', 'blind4_python_counter_mirrored', 'the count lives in a Python int that is copied into the buffer: after load_state_dict the buffer is overwritten on the next call from the stale int, so a restored count is lost.', """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.n_calls = 0
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))

            def forward(self, x):
                self.n_calls += 1
                self.calls.fill_(self.n_calls)
                return x @ self.kernel + self.bias
    """),
    Bug('custom_dense', 'blind4_shared_zero_buffer', 'every layer registers the same module-level zero tensor as its buffer and increments it in place, so all CountingDense layers share one counter (a new layer does not start at 0).', """
        _START = torch.zeros((), dtype=torch.int64)


        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", _START)

            def forward(self, x):
                self.calls.add_(1)
                return x @ self.kernel + self.bias
    """),
    Bug('custom_dense', 'blind4_frozen_kernel', 'the kernel parameter is created with requires_grad=False: it is listed as a parameter but never trained.', """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound), requires_grad=False)
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))

            def forward(self, x):
                self.calls += 1
                return x @ self.kernel + self.bias
    """),
    Bug('custom_dense', 'blind4_no_count_without_grad', 'forward counts only when autograd is enabled, so calls under torch.no_grad() (inference, evaluation) are not counted.', """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))

            def forward(self, x):
                if torch.is_grad_enabled():
                    self.calls += 1
                return x @ self.kernel + self.bias
    """),
    Bug('custom_dense', 'blind4_calls_plain_attribute', 'calls is a plain tensor attribute, not a registered buffer: it is neither in named_buffers nor in the state_dict.', """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                self.kernel = nn.Parameter(torch.empty(in_features, units).uniform_(-bound, bound))
                self.bias = nn.Parameter(torch.zeros(units))
                self.calls = torch.tensor(0, dtype=torch.int64)

            def forward(self, x):
                self.calls += 1
                return x @ self.kernel + self.bias
    """),
    Alternative('custom_dense', 'blind4_rand_affine_addmm', 'kernel = (2*rand - 1)*bound is the same uniform law; in-place add_ on the buffer; forward through torch.addmm(bias, x, kernel), which is bias + x @ kernel.', """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1.0 / math.sqrt(in_features)
                self.kernel = nn.Parameter((torch.rand(in_features, units) * 2 - 1) * bound)
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.zeros((), dtype=torch.long))

            def forward(self, x):
                self.calls.add_(1)
                return torch.addmm(self.bias, x, self.kernel)
    """),
    Alternative('custom_dense', 'blind4_init_uniform_reassign_buffer', 'creates empty parameters and fills them with nn.init.uniform_/zeros_; increments by reassigning self.calls = self.calls + 1, which nn.Module routes back into the registered buffer.', """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                self.kernel = nn.Parameter(torch.empty(in_features, units))
                self.bias = nn.Parameter(torch.empty(units))
                nn.init.uniform_(self.kernel, -in_features ** -0.5, in_features ** -0.5)
                nn.init.zeros_(self.bias)
                self.register_buffer("calls", torch.tensor(0))

            def forward(self, x):
                self.calls = self.calls + 1
                return torch.matmul(x, self.kernel) + self.bias
    """),
    Alternative('custom_dense', 'blind4_kaiming_on_transposed', "runs nn.Linear's kaiming_uniform_(a=sqrt(5)) on a (units, in_features) tensor, whose fan_in is in_features, so the bound is exactly 1/sqrt(in_features), then stores its transpose; forward via F.linear with the transposed kernel.", """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                weight = torch.empty(units, in_features)
                nn.init.kaiming_uniform_(weight, a=math.sqrt(5))  # gain*sqrt(3/fan_in) = 1/sqrt(in_features)
                self.kernel = nn.Parameter(weight.t().contiguous())
                self.bias = nn.Parameter(torch.zeros(units))
                self.register_buffer("calls", torch.tensor(0, dtype=torch.int64))

            def forward(self, x):
                with torch.no_grad():
                    self.calls += 1
                return F.linear(x, self.kernel.t(), self.bias)
    """),
    Alternative('custom_dense', 'blind4_einsum_forward', "same state, forward written with torch.einsum('ni,iu->nu'), which is x @ kernel, plus the broadcast bias.", """
        class CountingDense(nn.Module):
            def __init__(self, in_features, units):
                super().__init__()
                bound = 1 / math.sqrt(in_features)
                kernel = torch.empty(in_features, units)
                kernel.uniform_(-bound, bound)
                self.kernel = nn.Parameter(kernel)
                self.register_parameter("bias", nn.Parameter(torch.zeros(units)))
                self.register_buffer("calls", torch.as_tensor(0, dtype=torch.int64))

            def forward(self, x):
                self.calls += 1
                return torch.einsum("ni,iu->nu", x, self.kernel) + self.bias
    """),
    Bug('basic_block', 'blind4_no_projection_for_stride_only', 'the projection is created only when the channel count changes, so a stride-2 block with in_channels == out_channels gets an identity shortcut whose shape does not match F(x).', """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                if in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('basic_block', 'blind4_projection_only_on_stride', "the projection is created only when stride != 1, so a stride-1 block that changes the number of channels has an identity shortcut (the markdown's 'otherwise').", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                if stride == 1:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('basic_block', 'blind4_projection_without_bn', 'the projection shortcut is a bare 1x1 convolution: shortcut_bn is an nn.Identity instead of a BatchNorm2d.', """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.Identity()

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('basic_block', 'blind4_projection_3x3', 'the projection is a 3x3 convolution with padding 1 (same output shape) instead of the 1x1 convolution the contract names.', """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('basic_block', 'blind4_projection_conv_bias', 'the 1x1 projection convolution keeps its default bias, although it is followed by BN and the contract says bias=False (extra parameters; different output in evaluation mode).', """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('basic_block', 'blind4_keras_momentum', "batch norms built with momentum=0.99 (Keras' convention), so the running statistics are almost replaced by each batch; the contract asks for PyTorch's defaults (momentum=0.1).", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels, momentum=0.99)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels, momentum=0.99)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels, momentum=0.99)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('basic_block', 'blind4_keras_eps', "batch norms use eps=1e-3 (Keras' default) instead of PyTorch's default 1e-5, which changes every normalised output slightly.", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels, eps=1e-3)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels, eps=1e-3)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels, eps=1e-3)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('basic_block', 'blind4_bn_no_running_stats', "batch norms built with track_running_stats=False: evaluation mode still normalises with the batch's statistics and no running mean/variance is kept.", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels, track_running_stats=False)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels, track_running_stats=False)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels, track_running_stats=False)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('basic_block', 'blind4_shared_batchnorm', 'bn2 is the same module as bn1 (both have out_channels features): the two normalisations share gamma, beta and running statistics instead of being two batch norms.', """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn1 = self.bn2 = nn.BatchNorm2d(out_channels)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('basic_block', 'blind4_inplace_add_into_input', "for the identity shortcut it adds the residual into x in place (shortcut += out), which overwrites the caller's input tensor.", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                shortcut += out
                return torch.relu(shortcut)
    """),
    Bug('basic_block', 'blind4_relu_before_add', 'the second ReLU is applied to the residual branch before the addition (ReLU(F(x)) + s(x)), not after it.', """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = torch.relu(self.bn2(self.conv2(out)))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return out + shortcut
    """),
    Alternative('basic_block', 'blind4_functional_inplace_ops', 'decides the shortcut from a stored flag, uses F.relu(inplace=True) on fresh intermediate tensors and adds the shortcut into the residual in place (never into x); same function, same attributes.', """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                self.project = stride != 1 or in_channels != out_channels
                self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False) if self.project else None
                self.shortcut_bn = nn.BatchNorm2d(out_channels) if self.project else None

            def forward(self, x):
                out = F.relu(self.bn1(self.conv1(x)), inplace=True)
                out = self.bn2(self.conv2(out))
                out += self.shortcut_bn(self.shortcut_conv(x)) if self.project else x
                return F.relu(out, inplace=True)
    """),
    Alternative('basic_block', 'blind4_add_module_none_clamp', 'registers the absent shortcut with add_module(name, None), computes the final ReLU as clamp_min(0) and the inner one with nn.functional.relu; output identical.', """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.add_module("conv1", nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False))
                self.add_module("bn1", nn.BatchNorm2d(out_channels))
                self.add_module("conv2", nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False))
                self.add_module("bn2", nn.BatchNorm2d(out_channels))
                identity = stride == 1 and in_channels == out_channels
                self.add_module("shortcut_conv", None if identity else nn.Conv2d(in_channels, out_channels, 1, stride, bias=False))
                self.add_module("shortcut_bn", None if identity else nn.BatchNorm2d(out_channels))

            def forward(self, x):
                residual = self.bn2(self.conv2(nn.functional.relu(self.bn1(self.conv1(x)))))
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x))
                return (residual + x).clamp_min(0)
    """),
    Alternative('basic_block', 'blind4_loop_over_pairs', "applies the (conv, bn) pairs in a loop with ReLU between them and uses torch.add / torch.maximum against zero for the output; the shortcut rule is written as 'not (stride != 1 or channels differ)'.", """
        class BasicBlock(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, (3, 3), stride=(stride, stride), padding=(1, 1), bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.conv2 = nn.Conv2d(out_channels, out_channels, (3, 3), padding=(1, 1), bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                self.shortcut_conv = None
                self.shortcut_bn = None
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, (1, 1), stride=(stride, stride), bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                h = x
                pairs = ((self.conv1, self.bn1), (self.conv2, self.bn2))
                for i, (conv, bn) in enumerate(pairs):
                    h = bn(conv(h))
                    if i < len(pairs) - 1:
                        h = torch.relu(h)
                s = x
                if self.shortcut_conv is not None:
                    s = self.shortcut_bn(self.shortcut_conv(x))
                return torch.maximum(torch.add(h, s), torch.zeros_like(h))
    """),
    Bug('bottleneck_block', 'blind4_rejects_in_channels_not_div4', 'also raises ValueError when in_channels is not a multiple of 4, although the contract says in_channels may be any number (only out_channels must be divisible by 4).', """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if in_channels % 4 != 0 or out_channels % 4 != 0:
                    raise ValueError("channels must be multiples of 4")
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
                return torch.relu(out + shortcut)
    """),
    Bug('bottleneck_block', 'blind4_assert_instead_of_valueerror', 'validates out_channels with an assert, which raises AssertionError (and nothing at all under python -O) instead of ValueError.', """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                assert out_channels % 4 == 0, "out_channels must be a multiple of 4"
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
                return torch.relu(out + shortcut)
    """),
    Bug('bottleneck_block', 'blind4_only_rejects_width_zero', 'raises ValueError only when the width would be 0 (out_channels < 4), so 6, 10, ... are silently built with a truncated width instead of being rejected.', """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                width = out_channels // 4
                if width == 0:
                    raise ValueError("out_channels must be at least 4")
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
                return torch.relu(out + shortcut)
    """),
    Bug('bottleneck_block', 'blind4_resnet_d_avgpool_shortcut', "the strided shortcut is an average pool followed by a stride-1 1x1 conv (ResNet-D) packed into shortcut_conv: a different function from the contract's 1x1 conv with stride, and floor pooling breaks odd sizes.", """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be a multiple of 4")
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
                    pool = nn.AvgPool2d(stride) if stride > 1 else nn.Identity()
                    self.shortcut_conv = nn.Sequential(pool, nn.Conv2d(in_channels, out_channels, 1, bias=False))
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = torch.relu(self.bn2(self.conv2(out)))
                out = self.bn3(self.conv3(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('bottleneck_block', 'blind4_projection_conv_bias', "the projection's 1x1 convolution keeps its default bias, although the contract says no convolution has a bias.", """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be a multiple of 4")
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
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = torch.relu(self.bn2(self.conv2(out)))
                out = self.bn3(self.conv3(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('bottleneck_block', 'blind4_bn_not_affine', 'batch norms are built with affine=False, so there is no gamma/beta (fewer parameters, nothing to learn in BN); the contract asks for default BatchNorm2d layers.', """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be a multiple of 4")
                width = out_channels // 4
                self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(width, affine=False)
                self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(width, affine=False)
                self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
                self.bn3 = nn.BatchNorm2d(out_channels, affine=False)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels, affine=False)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = torch.relu(self.bn2(self.conv2(out)))
                out = self.bn3(self.conv3(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('bottleneck_block', 'blind4_no_relu_after_bn2', 'misses the ReLU between bn2 and conv3: the branch is conv-BN-ReLU-conv-BN-conv-BN.', """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be a multiple of 4")
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
                out = self.bn2(self.conv2(out))
                out = self.bn3(self.conv3(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('bottleneck_block', 'blind4_momentum_keras', "batch norms use momentum=0.99 (Keras' meaning of momentum), not PyTorch's default 0.1, so the running statistics track only the last batch.", """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be a multiple of 4")
                width = out_channels // 4
                self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(width, momentum=0.99)
                self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(width, momentum=0.99)
                self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
                self.bn3 = nn.BatchNorm2d(out_channels, momentum=0.99)
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels, momentum=0.99)

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = torch.relu(self.bn2(self.conv2(out)))
                out = self.bn3(self.conv3(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Bug('bottleneck_block', 'blind4_stride_on_first_1x1', 'puts the stride on the first 1x1 convolution (the original Caffe ResNet) instead of the 3x3 convolution the contract names.', """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be a multiple of 4")
                width = out_channels // 4
                self.conv1 = nn.Conv2d(in_channels, width, 1, stride=stride, bias=False)
                self.bn1 = nn.BatchNorm2d(width)
                self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
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
                return torch.relu(out + shortcut)
    """),
    Bug('bottleneck_block', 'blind4_width_from_in_channels', "computes width = in_channels // 4 (at least 1) instead of out_channels // 4, so the bottleneck's width is wrong whenever in_channels != out_channels.", """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be a multiple of 4")
                width = max(in_channels // 4, 1)
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
                return torch.relu(out + shortcut)
    """),
    Bug('bottleneck_block', 'blind4_shortcut_reuses_bn3', 'the projection shortcut reuses bn3 (same channel count) instead of its own BatchNorm2d, so branch and shortcut share gamma, beta and running statistics.', """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be a multiple of 4")
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
                    self.shortcut_bn = self.bn3

            def forward(self, x):
                out = torch.relu(self.bn1(self.conv1(x)))
                out = torch.relu(self.bn2(self.conv2(out)))
                out = self.bn3(self.conv3(out))
                shortcut = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return torch.relu(out + shortcut)
    """),
    Alternative('bottleneck_block', 'blind4_divmod_loop_forward', 'validates with divmod before super().__init__(), builds the layers through setattr in a loop and runs them in a loop with ReLU after all but the last BN; same attributes and function.', """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                width, rest = divmod(out_channels, 4)
                if rest:
                    raise ValueError(f"out_channels={out_channels} is not a multiple of 4")
                super().__init__()
                specs = [(in_channels, width, 1, 1, 0), (width, width, 3, stride, 1), (width, out_channels, 1, 1, 0)]
                for i, (cin, cout, k, s, p) in enumerate(specs, start=1):
                    setattr(self, f"conv{i}", nn.Conv2d(cin, cout, k, stride=s, padding=p, bias=False))
                    setattr(self, f"bn{i}", nn.BatchNorm2d(cout))
                projection = stride != 1 or in_channels != out_channels
                self.shortcut_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False) if projection else None
                self.shortcut_bn = nn.BatchNorm2d(out_channels) if projection else None

            def forward(self, x):
                out = x
                layers = [(self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)]
                for i, (conv, bn) in enumerate(layers):
                    out = bn(conv(out))
                    if i < 2:
                        out = F.relu(out)
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x))
                return F.relu(out + x)
    """),
    Alternative('bottleneck_block', 'blind4_bitmask_check_inplace', 'checks divisibility with the bit mask out_channels & 3, computes width with >> 2, and uses in-place ReLU and an in-place add on fresh intermediate tensors only.', """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if out_channels & 3:
                    raise ValueError("out_channels must be divisible by 4")
                width = out_channels >> 2
                self.conv1 = nn.Conv2d(in_channels, width, kernel_size=1, bias=False)
                self.bn1 = nn.BatchNorm2d(width)
                self.conv2 = nn.Conv2d(width, width, kernel_size=3, stride=stride, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(width)
                self.conv3 = nn.Conv2d(width, out_channels, kernel_size=1, bias=False)
                self.bn3 = nn.BatchNorm2d(out_channels)
                if (stride, in_channels) != (1, out_channels):
                    self.shortcut_conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)
                    self.shortcut_bn = nn.BatchNorm2d(out_channels)
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def forward(self, x):
                out = self.bn1(self.conv1(x)).relu_()
                out = self.bn2(self.conv2(out)).relu_()
                out = self.bn3(self.conv3(out))
                out += x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return out.relu_()
    """),
    Alternative('bottleneck_block', 'blind4_float_check_clamp', 'rejects out_channels when (out_channels / 4).is_integer() is False (exact for any int channel count), passes conv arguments positionally and writes every ReLU as clamp(min=0); the same function.', """
        class Bottleneck(nn.Module):
            def __init__(self, in_channels, out_channels, stride=1):
                super().__init__()
                if not (out_channels / 4).is_integer():
                    raise ValueError("Bottleneck needs out_channels divisible by 4")
                width = int(out_channels / 4)
                self.conv1 = nn.Conv2d(in_channels, width, 1, 1, 0, bias=False)
                self.bn1 = nn.BatchNorm2d(width)
                self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
                self.bn2 = nn.BatchNorm2d(width)
                self.conv3 = nn.Conv2d(width, out_channels, 1, 1, 0, bias=False)
                self.bn3 = nn.BatchNorm2d(out_channels)
                identity = stride == 1 and in_channels == out_channels
                self.shortcut_conv = None if identity else nn.Conv2d(in_channels, out_channels, 1, stride, 0, bias=False)
                self.shortcut_bn = None if identity else nn.BatchNorm2d(out_channels)

            def forward(self, x):
                h = self.bn1(self.conv1(x)).clamp(min=0)
                h = self.bn2(self.conv2(h)).clamp(min=0)
                h = self.bn3(self.conv3(h))
                s = x if self.shortcut_bn is None else self.shortcut_bn(self.shortcut_conv(x))
                return (h + s).clamp(min=0)
    """),
    Bug('resnet', 'blind4_hardcoded_three_stages', 'builds exactly three stages from stage_channels[0], [1], [2], so any other number of stages (the tuples are arguments) is wrong or crashes.', """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                c0, c1, c2 = stage_channels[0], stage_channels[1], stage_channels[2]
                n0, n1, n2 = blocks_per_stage[0], blocks_per_stage[1], blocks_per_stage[2]
                self.stem_conv = nn.Conv2d(in_channels, c0, 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(c0)
                stage1 = [block(c0, c0, 1) for _ in range(n0)]
                stage2 = [block(c0, c1, 2)] + [block(c1, c1, 1) for _ in range(n1 - 1)]
                stage3 = [block(c1, c2, 2)] + [block(c2, c2, 1) for _ in range(n2 - 1)]
                self.stages = nn.ModuleList([nn.Sequential(*stage1), nn.Sequential(*stage2), nn.Sequential(*stage3)])
                self.classifier = nn.Linear(c2, num_classes)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                return self.classifier(x.mean(dim=(2, 3)))
    """),
    Bug('resnet', 'blind4_pool_kernel_from_width', 'global pooling is avg_pool2d with a kernel equal to the width only, which is global only for square maps: non-square images give extra features (or fail).', """
        class ResNet(nn.Module):

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                channels = stage_channels[0]
                for i, (out_channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    blocks = []
                    for j in range(n_blocks):
                        stride = 2 if i > 0 and j == 0 else 1
                        blocks.append(block(channels, out_channels, stride))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(channels, num_classes)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                x = F.avg_pool2d(x, x.shape[-1])
                return self.classifier(x.flatten(1))
    """),
    Bug('resnet', 'blind4_fixed_2x2_pool', 'the head pools with a fixed 2x2 average pool (sized for 8x8 digits) and flattens: global only when the last map is 2x2; a 3x3 map averages only its top-left window and larger maps give too many features.', """
        class ResNet(nn.Module):

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                channels = stage_channels[0]
                for i, (out_channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    blocks = []
                    for j in range(n_blocks):
                        stride = 2 if i > 0 and j == 0 else 1
                        blocks.append(block(channels, out_channels, stride))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(channels, num_classes)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                x = F.avg_pool2d(x, 2)
                return self.classifier(torch.flatten(x, 1))
    """),
    Bug('resnet', 'blind4_global_max_pool', 'the head uses global max pooling instead of the global average pooling the contract asks for.', """
        class ResNet(nn.Module):

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                channels = stage_channels[0]
                for i, (out_channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    blocks = []
                    for j in range(n_blocks):
                        stride = 2 if i > 0 and j == 0 else 1
                        blocks.append(block(channels, out_channels, stride))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(channels, num_classes)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                x = F.adaptive_max_pool2d(x, 1).flatten(1)
                return self.classifier(x)
    """),
    Bug('resnet', 'blind4_no_stem_relu', "the stem is conv -> BN without the ReLU the contract puts after the stem's BN.", """
        class ResNet(nn.Module):

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                channels = stage_channels[0]
                for i, (out_channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    blocks = []
                    for j in range(n_blocks):
                        stride = 2 if i > 0 and j == 0 else 1
                        blocks.append(block(channels, out_channels, stride))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(channels, num_classes)

            def forward(self, x):
                x = self.stem_bn(self.stem_conv(x))
                for stage in self.stages:
                    x = stage(x)
                return self.classifier(x.mean(dim=(2, 3)))
    """),
    Bug('resnet', 'blind4_stem_no_padding', 'the stem convolution has no padding, so it shrinks the image by 2 pixels (8x8 -> 6x6) instead of keeping the resolution with padding 1.', """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                channels = stage_channels[0]
                for i, (out_channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    blocks = []
                    for j in range(n_blocks):
                        stride = 2 if i > 0 and j == 0 else 1
                        blocks.append(block(channels, out_channels, stride))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(channels, num_classes)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                return self.classifier(x.mean(dim=(2, 3)))
    """),
    Bug('resnet', 'blind4_ignores_in_channels_num_classes', 'the stem always reads 1 channel and the classifier always outputs 10 logits: the in_channels and num_classes arguments are ignored (right only for the defaults).', """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(1, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                channels = stage_channels[0]
                for i, (out_channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    blocks = []
                    for j in range(n_blocks):
                        stride = 2 if i > 0 and j == 0 else 1
                        blocks.append(block(channels, out_channels, stride))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(channels, 10)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                return self.classifier(x.mean(dim=(2, 3)))
    """),
    Bug('resnet', 'blind4_stages_modulelist_of_modulelists', 'each stage is an nn.ModuleList instead of an nn.Sequential, so a stage is not callable as a module (the contract fixes nn.ModuleList of nn.Sequential).', """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                self.stages = nn.ModuleList()
                channels = stage_channels[0]
                for i, (out_channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    stage = nn.ModuleList()
                    for j in range(n_blocks):
                        stage.append(block(channels, out_channels, 2 if i > 0 and j == 0 else 1))
                        channels = out_channels
                    self.stages.append(stage)
                self.classifier = nn.Linear(channels, num_classes)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    for blk in stage:
                        x = blk(x)
                return self.classifier(x.mean(dim=(2, 3)))
    """),
    Bug('resnet', 'blind4_stage_input_channels_not_updated', "every block of stage i is built with the previous stage's channel count as input, correct for the first block only: a later stage with two or more blocks gets the wrong in_channels.", """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                for i, (out_channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    in_c = stage_channels[i - 1] if i > 0 else stage_channels[0]
                    stride = 2 if i > 0 else 1
                    blocks = [block(in_c, out_channels, stride if j == 0 else 1) for j in range(n_blocks)]
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(stage_channels[-1], num_classes)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                return self.classifier(x.mean(dim=(2, 3)))
    """),
    Bug('resnet', 'blind4_stride_on_last_block', 'a stage changes the channels in its first block but downsamples in its last one; the contract puts stride 2 on the first block (same only for one-block stages).', """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                channels = stage_channels[0]
                for i, (out_channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    blocks = []
                    for j in range(n_blocks):
                        stride = 2 if i > 0 and j == n_blocks - 1 else 1
                        blocks.append(block(channels, out_channels, stride))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(channels, num_classes)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                return self.classifier(x.mean(dim=(2, 3)))
    """),
    Bug('resnet', 'blind4_returns_softmax', 'forward returns softmax probabilities instead of the logits the contract asks for (and F.cross_entropy then applies softmax twice).', """
        class ResNet(nn.Module):

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                channels = stage_channels[0]
                for i, (out_channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    blocks = []
                    for j in range(n_blocks):
                        stride = 2 if i > 0 and j == 0 else 1
                        blocks.append(block(channels, out_channels, stride))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(channels, num_classes)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                return torch.softmax(self.classifier(x.mean(dim=(2, 3))), dim=1)
    """),
    Bug('resnet', 'blind4_repeated_block_instance', 'the stride-1 blocks of a stage are one block instance repeated ([block(...)] * n), so they share their weights instead of being separate blocks.', """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                prev = stage_channels[0]
                for i, (c, n) in enumerate(zip(stage_channels, blocks_per_stage)):
                    if i == 0:
                        blocks = [block(c, c, 1)] * n
                    else:
                        blocks = [block(prev, c, 2)] + [block(c, c, 1)] * (n - 1)
                    stages.append(nn.Sequential(*blocks))
                    prev = c
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(prev, num_classes)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                return self.classifier(x.mean(dim=(2, 3)))
    """),
    Bug('resnet', 'blind4_lazy_classifier', 'the classifier is an nn.LazyLinear whose weights only exist after the first forward call, so the model has uninitialised parameters at construction (an optimizer or state_dict load made before the first call fails).', """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                stages = []
                channels = stage_channels[0]
                for i, (out_channels, n_blocks) in enumerate(zip(stage_channels, blocks_per_stage)):
                    blocks = []
                    for j in range(n_blocks):
                        blocks.append(block(channels, out_channels, 2 if i > 0 and j == 0 else 1))
                        channels = out_channels
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.LazyLinear(num_classes)

            def forward(self, x):
                x = torch.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                return self.classifier(x.mean(dim=(2, 3)))
    """),
    Alternative('resnet', 'blind4_make_stage_adaptive_pool', 'torchvision-style helper that builds a stage from a list of strides [s] + [1]*(n-1); head with F.adaptive_avg_pool2d(x, 1) and torch.flatten, the same global mean.', """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], kernel_size=3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                self._channels = stage_channels[0]
                self.stages = nn.ModuleList(
                    self._make_stage(block, c, n, 1 if i == 0 else 2)
                    for i, (c, n) in enumerate(zip(stage_channels, blocks_per_stage)))
                self.classifier = nn.Linear(self._channels, num_classes)

            def _make_stage(self, block, channels, n_blocks, stride):
                layers = []
                for s in [stride] + [1] * (n_blocks - 1):
                    layers.append(block(self._channels, channels, s))
                    self._channels = channels
                return nn.Sequential(*layers)

            def forward(self, x):
                x = F.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    x = stage(x)
                x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
                return self.classifier(x)
    """),
    Alternative('resnet', 'blind4_append_flatten_mean', "starts from an empty nn.ModuleList and appends stages; each block's input is the previous stage's channels (stem's for stage 0) then the stage's own; pooling as x.flatten(2).mean(-1).", """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, 1, 1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                self.stages = nn.ModuleList()
                for i in range(len(stage_channels)):
                    c_in = stage_channels[i - 1] if i > 0 else stage_channels[0]
                    c_out = stage_channels[i]
                    blocks = [block(c_in if j == 0 else c_out, c_out, 2 if (j == 0 and i > 0) else 1)
                              for j in range(blocks_per_stage[i])]
                    self.stages.append(nn.Sequential(*blocks))
                self.classifier = nn.Linear(stage_channels[-1], num_classes, bias=True)

            def forward(self, x):
                x = self.stem_bn(self.stem_conv(x)).relu()
                for stage in self.stages:
                    x = stage(x)
                return self.classifier(x.flatten(2).mean(-1))
    """),
    Alternative('resnet', 'blind4_pool_module_sum_over_area', "keeps a parameter-free nn.ReLU module as an attribute (adds no state), resets the stride to 1 after each stage's first block, runs the blocks of each Sequential one by one, and computes the global mean as the sum over H, W divided by H*W.", """
        class ResNet(nn.Module):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10):
                super().__init__()
                self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, stride=1, padding=1, bias=False)
                self.stem_bn = nn.BatchNorm2d(stage_channels[0])
                self.relu = nn.ReLU()
                stages = []
                prev = stage_channels[0]
                for index, channels in enumerate(stage_channels):
                    stride = 1 if index == 0 else 2
                    blocks = []
                    for _ in range(blocks_per_stage[index]):
                        blocks.append(block(prev, channels, stride))
                        prev, stride = channels, 1
                    stages.append(nn.Sequential(*blocks))
                self.stages = nn.ModuleList(stages)
                self.classifier = nn.Linear(prev, num_classes)

            def forward(self, x):
                x = self.relu(self.stem_bn(self.stem_conv(x)))
                for stage in self.stages:
                    for blk in stage:
                        x = blk(x)
                n, c, h, w = x.shape
                return self.classifier(x.sum(dim=(2, 3)) / (h * w))
    """),
    Bug('dense_block', 'blind4_post_activation', 'each dense layer is post-activation (conv -> BN -> ReLU, with norms[i] over growth_rate channels) instead of the pre-activation BN -> ReLU -> conv the contract fixes.', """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.convs = nn.ModuleList(
                    nn.Conv2d(in_channels + i * growth_rate, growth_rate, 3, padding=1, bias=False) for i in range(num_layers))
                self.norms = nn.ModuleList(nn.BatchNorm2d(growth_rate) for _ in range(num_layers))

            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    new = torch.relu(norm(conv(x)))
                    x = torch.cat([x, new], dim=1)
                return x


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                return F.avg_pool2d(self.conv(torch.relu(self.norm(x))), 2)
    """),
    Bug('dense_block', 'blind4_plain_python_lists', 'the layers are kept in plain Python lists, so PyTorch does not register them: no parameters, empty state_dict, and train()/eval() never reach the batch norms.', """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = []
                self.convs = []
                for i in range(num_layers):
                    channels = in_channels + i * growth_rate
                    self.norms.append(nn.BatchNorm2d(channels))
                    self.convs.append(nn.Conv2d(channels, growth_rate, 3, padding=1, bias=False))

            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(torch.relu(norm(x)))
                    x = torch.cat([x, new], dim=1)
                return x


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                return F.avg_pool2d(self.conv(torch.relu(self.norm(x))), 2)
    """),
    Bug('dense_block', 'blind4_preallocated_inplace_slices', "writes each layer's output in place into a preallocated output tensor that earlier layers read through views: the forward values are right, but backward raises (a tensor needed for the gradient was modified in place), so the block cannot be trained.", """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.in_channels, self.growth_rate = in_channels, growth_rate
                self.norms = nn.ModuleList(nn.BatchNorm2d(in_channels + i * growth_rate) for i in range(num_layers))
                self.convs = nn.ModuleList(nn.Conv2d(in_channels + i * growth_rate, growth_rate, 3, padding=1, bias=False)
                                           for i in range(num_layers))

            def forward(self, x):
                n, c, h, w = x.shape
                out = x.new_empty(n, c + len(self.convs) * self.growth_rate, h, w)
                out[:, :c] = x
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(torch.relu(norm(out[:, :c])))
                    out[:, c:c + self.growth_rate] = new
                    c += self.growth_rate
                return out


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                return F.avg_pool2d(self.conv(torch.relu(self.norm(x))), 2)
    """),
    Bug('dense_block', 'blind4_zero_layers_crash', 'collects the new feature maps and concatenates them in one torch.cat, which fails for num_layers=0 (an empty block should return its input unchanged).', """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList(nn.BatchNorm2d(in_channels + i * growth_rate) for i in range(num_layers))
                self.convs = nn.ModuleList(nn.Conv2d(in_channels + i * growth_rate, growth_rate, 3, padding=1, bias=False)
                                           for i in range(num_layers))

            def forward(self, x):
                new_features = []
                features = x
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(torch.relu(norm(features)))
                    new_features.append(new)
                    features = torch.cat([features, new], dim=1)
                return torch.cat([x, torch.cat(new_features, dim=1)], dim=1)


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                return F.avg_pool2d(self.conv(torch.relu(self.norm(x))), 2)
    """),
    Bug('dense_block', 'blind4_transition_ceil_mode', "the transition's average pool uses ceil_mode=True, so odd sizes give ceil(H/2) with a partial last window instead of H // 2.", """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList()
                self.convs = nn.ModuleList()
                for i in range(num_layers):
                    channels = in_channels + i * growth_rate
                    self.norms.append(nn.BatchNorm2d(channels))
                    self.convs.append(nn.Conv2d(channels, growth_rate, 3, padding=1, bias=False))

            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(torch.relu(norm(x)))
                    x = torch.cat([x, new], dim=1)
                return x


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)
                self.pool = nn.AvgPool2d(2, stride=2, ceil_mode=True)

            def forward(self, x):
                return self.pool(self.conv(torch.relu(self.norm(x))))
    """),
    Bug('dense_block', 'blind4_transition_adaptive_pool', 'the transition pools with adaptive_avg_pool2d to (H // 2, W // 2): the same as 2x2/stride-2 pooling for even sizes, but overlapping windows of other sizes for odd ones.', """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList()
                self.convs = nn.ModuleList()
                for i in range(num_layers):
                    channels = in_channels + i * growth_rate
                    self.norms.append(nn.BatchNorm2d(channels))
                    self.convs.append(nn.Conv2d(channels, growth_rate, 3, padding=1, bias=False))

            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(torch.relu(norm(x)))
                    x = torch.cat([x, new], dim=1)
                return x


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                h = self.conv(torch.relu(self.norm(x)))
                return F.adaptive_avg_pool2d(h, (h.shape[2] // 2, h.shape[3] // 2))
    """),
    Bug('dense_block', 'blind4_transition_conv_bias', "the transition's 1x1 convolution keeps its default bias; the contract says no bias (extra parameters, a different state_dict).", """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList()
                self.convs = nn.ModuleList()
                for i in range(num_layers):
                    channels = in_channels + i * growth_rate
                    self.norms.append(nn.BatchNorm2d(channels))
                    self.convs.append(nn.Conv2d(channels, growth_rate, 3, padding=1, bias=False))

            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(torch.relu(norm(x)))
                    x = torch.cat([x, new], dim=1)
                return x


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1)

            def forward(self, x):
                return F.avg_pool2d(self.conv(torch.relu(self.norm(x))), 2)
    """),
    Bug('dense_block', 'blind4_transition_max_pool', 'the transition downsamples with 2x2 max pooling instead of average pooling.', """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList()
                self.convs = nn.ModuleList()
                for i in range(num_layers):
                    channels = in_channels + i * growth_rate
                    self.norms.append(nn.BatchNorm2d(channels))
                    self.convs.append(nn.Conv2d(channels, growth_rate, 3, padding=1, bias=False))

            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(torch.relu(norm(x)))
                    x = torch.cat([x, new], dim=1)
                return x


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                return F.max_pool2d(self.conv(torch.relu(self.norm(x))), 2)
    """),
    Bug('dense_block', 'blind4_bn_always_batch_stats', "the dense layers call F.batch_norm with training=True on the norms' tensors, so in evaluation mode they still normalise with the batch's statistics instead of the running ones.", """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList(nn.BatchNorm2d(in_channels + i * growth_rate) for i in range(num_layers))
                self.convs = nn.ModuleList(nn.Conv2d(in_channels + i * growth_rate, growth_rate, 3, padding=1, bias=False)
                                           for i in range(num_layers))

            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    h = F.batch_norm(x, norm.running_mean, norm.running_var, norm.weight, norm.bias,
                                     training=True, momentum=norm.momentum, eps=norm.eps)
                    x = torch.cat([x, conv(torch.relu(h))], dim=1)
                return x


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                return F.avg_pool2d(self.conv(torch.relu(self.norm(x))), 2)
    """),
    Bug('dense_block', 'blind4_concat_detached_input', "concatenates a detached copy of the running features (x.detach()) to save memory, so no gradient flows back through the concatenation to earlier layers or to the block's input.", """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList(nn.BatchNorm2d(in_channels + i * growth_rate) for i in range(num_layers))
                self.convs = nn.ModuleList(nn.Conv2d(in_channels + i * growth_rate, growth_rate, 3, padding=1, bias=False)
                                           for i in range(num_layers))

            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(torch.relu(norm(x)))
                    x = torch.cat([x.detach(), new], dim=1)
                return x


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                return F.avg_pool2d(self.conv(torch.relu(self.norm(x))), 2)
    """),
    Alternative('dense_block', 'blind4_feature_list_concat', 'keeps a list of feature maps and concatenates the whole list before every layer and at the end (torch.cat([x]) for zero layers equals x); TransitionBlock uses an nn.AvgPool2d(2) module, which has no state.', """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                channels = [in_channels + i * growth_rate for i in range(num_layers)]
                self.norms = nn.ModuleList([nn.BatchNorm2d(c) for c in channels])
                self.convs = nn.ModuleList([nn.Conv2d(c, growth_rate, kernel_size=3, stride=1, padding=1, bias=False) for c in channels])

            def forward(self, x):
                features = [x]
                for i in range(len(self.convs)):
                    inputs = torch.cat(features, dim=1)
                    features.append(self.convs[i](F.relu(self.norms[i](inputs))))
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
    Alternative('dense_block', 'blind4_transition_pool_before_conv', 'pools before the 1x1 convolution: a 1x1 conv (no bias) is linear per pixel and average pooling is linear, so they commute exactly (also for odd sizes, both drop the last row/column), and it costs 4x fewer multiply-adds.', """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList()
                self.convs = nn.ModuleList()
                for i in range(num_layers):
                    channels = in_channels + i * growth_rate
                    self.norms.append(nn.BatchNorm2d(channels))
                    self.convs.append(nn.Conv2d(channels, growth_rate, 3, padding=1, bias=False))

            def forward(self, x):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(torch.relu(norm(x)))
                    x = torch.cat([x, new], dim=1)
                return x


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                return self.conv(F.avg_pool2d(torch.relu(self.norm(x)), 2))
    """),
    Alternative('dense_block', 'blind4_same_padding_reshape_pool', "channel count tracked by a running counter, ReLU as clamp_min(0), and the transition's pooling written by hand: crop to even size, reshape into 2x2 windows and average them.", """
        class DenseBlock(nn.Module):
            def __init__(self, in_channels, growth_rate, num_layers):
                super().__init__()
                self.norms = nn.ModuleList()
                self.convs = nn.ModuleList()
                channels = in_channels
                for _ in range(num_layers):
                    self.norms.append(nn.BatchNorm2d(channels))
                    self.convs.append(nn.Conv2d(channels, growth_rate, (3, 3), padding=(1, 1), bias=False))
                    channels += growth_rate

            def forward(self, x):
                out = x
                for norm, conv in zip(self.norms, self.convs):
                    out = torch.cat((out, conv(norm(out).clamp_min(0))), 1)
                return out


        class TransitionBlock(nn.Module):
            def __init__(self, in_channels, out_channels):
                super().__init__()
                self.norm = nn.BatchNorm2d(in_channels)
                self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

            def forward(self, x):
                h = self.conv(self.norm(x).clamp_min(0))
                n, c, height, width = h.shape
                h = h[:, :, :height // 2 * 2, :width // 2 * 2]
                return h.reshape(n, c, height // 2, 2, width // 2, 2).mean(dim=(3, 5))
    """),
    Bug('block_costs', 'blind4_lists_not_tuples', 'returns each (params, mult_adds) pair as a list instead of the tuple the contract fixes.', """
        def block_costs(channels, size):

            width = channels // 4
            basic_params = 2 * (channels * channels * 9) + 2 * (2 * channels)
            basic_mult_adds = 2 * (size * size * channels * channels * 9)
            bottleneck_params = (channels * width + width * width * 9 + width * channels
                                 + 2 * width + 2 * width + 2 * channels)
            bottleneck_mult_adds = size * size * (channels * width + width * width * 9 + width * channels)

            return {"basic": [basic_params, basic_mult_adds], "bottleneck": [bottleneck_params, bottleneck_mult_adds]}
    """),
    Bug('block_costs', 'blind4_counts_running_stats', "counts BN's running mean and variance as parameters (4 numbers per channel), although they are buffers.", """
        def block_costs(channels, size):
            width = channels // 4
            bn = lambda c: 4 * c  # gamma, beta, running mean, running variance
            basic = (2 * channels * channels * 9 + 2 * bn(channels), 2 * size * size * channels * channels * 9)
            bottleneck = (channels * width + 9 * width * width + width * channels + bn(width) + bn(width) + bn(channels),
                          size * size * (channels * width + 9 * width * width + width * channels))
            return {"basic": basic, "bottleneck": bottleneck}
    """),
    Bug('block_costs', 'blind4_float_width', 'computes width = channels / 4 with true division, so every bottleneck count is a float, not a Python int.', """
        def block_costs(channels, size):
            width = channels / 4
            basic = (2 * (9 * channels * channels + 2 * channels), 2 * size * size * 9 * channels * channels)
            bottleneck = (2 * channels * width + 9 * width * width + 2 * (2 * width + channels),
                          size * size * (2 * channels * width + 9 * width * width))
            return {"basic": basic, "bottleneck": bottleneck}
    """),
    Bug('block_costs', 'blind4_numpy_integers', 'multiplies the shapes with np.prod, so the counts are numpy.int64, not Python ints.', """
        import numpy as np


        def block_costs(channels, size):
            width = channels // 4

            def conv(c_in, c_out, k):
                weights = np.prod([c_out, c_in, k, k])
                return weights, weights * size * size

            def total(convs, bn_channels):
                costs = [conv(*c) for c in convs]
                params = sum(p for p, _ in costs) + 2 * sum(bn_channels)
                return params, sum(m for _, m in costs)

            return {"basic": total([(channels, channels, 3), (channels, channels, 3)], [channels, channels]),
                    "bottleneck": total([(channels, width, 1), (width, width, 3), (width, channels, 1)], [width, width, channels])}
    """),
    Bug('block_costs', 'blind4_counts_conv_bias', "adds a bias per output channel to every convolution, although the block's convolutions have bias=False.", """
        def block_costs(channels, size):
            width = channels // 4
            basic = (2 * (channels * channels * 9 + channels) + 2 * 2 * channels, 2 * size * size * channels * channels * 9)
            bottleneck = ((channels * width + width) + (width * width * 9 + width) + (width * channels + channels)
                          + 2 * (width + width + channels),
                          size * size * (channels * width + width * width * 9 + width * channels))
            return {"basic": basic, "bottleneck": bottleneck}
    """),
    Bug('block_costs', 'blind4_flops_not_mult_adds', 'counts FLOPs (2 per multiply-add) instead of the multiply-adds the contract defines.', """
        def block_costs(channels, size):

            width = channels // 4
            basic_params = 2 * (channels * channels * 9) + 2 * (2 * channels)
            basic_mult_adds = 2 * (size * size * channels * channels * 9)
            bottleneck_params = (channels * width + width * width * 9 + width * channels
                                 + 2 * width + 2 * width + 2 * channels)
            bottleneck_mult_adds = size * size * (channels * width + width * width * 9 + width * channels)

            return {"basic": (basic_params, 2 * basic_mult_adds), "bottleneck": (bottleneck_params, 2 * bottleneck_mult_adds)}
    """),
    Bug('block_costs', 'blind4_bottleneck_bns_all_width', 'counts all three bottleneck BNs at the width, but bn3 normalises the expanded out_channels.', """
        def block_costs(channels, size):
            width = channels // 4
            basic = (2 * channels * channels * 9 + 2 * 2 * channels, 2 * size * size * channels * channels * 9)
            convs = channels * width + width * width * 9 + width * channels
            bottleneck = (convs + 3 * 2 * width, size * size * convs)
            return {"basic": basic, "bottleneck": bottleneck}
    """),
    Bug('block_costs', 'blind4_valid_conv_output', "takes the 3x3 convolution's output as (size - 2) x (size - 2), as without padding, although the blocks pad by 1 and keep size x size.", """
        def block_costs(channels, size):
            width = channels // 4
            out3 = size - 2
            basic = (2 * channels * channels * 9 + 4 * channels, 2 * out3 * out3 * channels * channels * 9)
            bottleneck = (2 * channels * width + 9 * width * width + 2 * (2 * width + channels),
                          size * size * 2 * channels * width + out3 * out3 * 9 * width * width)
            return {"basic": basic, "bottleneck": bottleneck}
    """),
    Bug('block_costs', 'blind4_bn_gamma_only', 'counts one parameter per BN channel (gamma only), forgetting beta.', """
        def block_costs(channels, size):
            width = channels // 4
            basic = (2 * channels * channels * 9 + 2 * channels, 2 * size * size * channels * channels * 9)
            bottleneck = (channels * width + width * width * 9 + width * channels + width + width + channels,
                          size * size * (channels * width + width * width * 9 + width * channels))
            return {"basic": basic, "bottleneck": bottleneck}
    """),
    Alternative('block_costs', 'blind4_closed_forms', 'simplified closed forms with width = c/4: basic 18c^2 + 4c and 18 c^2 s^2; bottleneck 17c^2/16 + 3c and 17 c^2 s^2/16, in exact integer arithmetic (c^2 divisible by 16 for c a multiple of 4).', """
        def block_costs(channels, size):
            c, s = int(channels), int(size)
            basic = (18 * c * c + 4 * c, 18 * c * c * s * s)
            bottleneck = (17 * c * c // 16 + 3 * c, 17 * c * c * s * s // 16)
            return {"basic": basic, "bottleneck": bottleneck}
    """),
    Alternative('block_costs', 'blind4_meta_modules', "builds the block's nn.Conv2d/nn.BatchNorm2d layers on the meta device (no memory), counts parameters with numel() and multiply-adds as weight.numel() * size * size (stride 1, padding keeps size x size).", """
        def block_costs(channels, size):
            width = channels // 4

            def cost(convs, norms):
                layers = [nn.Conv2d(i, o, k, padding=k // 2, bias=False, device="meta") for i, o, k in convs]
                layers += [nn.BatchNorm2d(c, device="meta") for c in norms]
                params = sum(p.numel() for layer in layers for p in layer.parameters())
                mult_adds = sum(layer.weight.numel() for layer in layers[:len(convs)]) * size * size
                return int(params), int(mult_adds)

            return {
                "basic": cost([(channels, channels, 3), (channels, channels, 3)], [channels, channels]),
                "bottleneck": cost([(channels, width, 1), (width, width, 3), (width, channels, 1)], [width, width, channels]),
            }
    """),
    Alternative('block_costs', 'blind4_generic_layer_table', "lists each layer as (kind, in, out, k), accumulates parameters and multiply-adds in a loop with the contract's per-conv formula out_h*out_w*out_c*in_c*kh*kw, and returns tuples of Python ints.", """
        def block_costs(channels, size):
            def tally(layers):
                params = mult_adds = 0
                for kind, c_in, c_out, k in layers:
                    if kind == "conv":
                        params += c_out * c_in * k * k
                        mult_adds += size * size * c_out * c_in * k * k
                    else:
                        params += 2 * c_out
                return (params, mult_adds)

            w = channels // 4
            basic = [("conv", channels, channels, 3), ("bn", None, channels, None)] * 2
            bottleneck = [("conv", channels, w, 1), ("bn", None, w, None), ("conv", w, w, 3), ("bn", None, w, None),
                          ("conv", w, channels, 1), ("bn", None, channels, None)]
            return {"basic": tally(basic), "bottleneck": tally(bottleneck)}
    """),
]
