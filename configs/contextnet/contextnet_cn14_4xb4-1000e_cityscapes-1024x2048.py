# ContextNet cn14 on Cityscapes with the paper's recipe: context branch on
# the input at 1/4 (256x512), full-resolution detail branch, batch 16
# (4 GPUs x 4), 1000 epochs from scratch. Paper: 65.9 val mIoU, 0.85M
# parameters (Table 4)
_base_ = [
    '../_base_/models/contextnet_cn14.py',
    '../_base_/datasets/cityscapes_1024x2048.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_contextnet_1000e.py',
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
crop_size = (1024, 2048)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(batch_size=4, num_workers=4)
log_processor = dict(by_epoch=True)
