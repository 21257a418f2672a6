"""Train or fine-tune a fusionzoo model with a YAML recipe (LightningCLI).

    python train.py fit --config configs/pansharpening/pnn_wv23.yaml
    python train.py fit --config configs/pansharpening/pnn_wv23.yaml --ckpt_path last   # resume
    python train.py test --config configs/pansharpening/pnn_wv23.yaml --ckpt_path best

Checkpoints go to ``trainer.default_root_dir`` (``last.ckpt`` every epoch); export the weights with
``fusionzoo export-weights <ckpt> <folder>``.
"""

from lightning.pytorch.cli import LightningCLI

from fusionzoo.datamodules import WaldPatchesDataModule  # noqa: F401
from fusionzoo.trainers import PansharpeningTask  # noqa: F401


def main(args=None) -> None:
    LightningCLI(save_config_kwargs={"overwrite": True}, args=args)


if __name__ == "__main__":
    main()
