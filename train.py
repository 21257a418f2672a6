"""Train or fine-tune a fusionzoo model with a YAML recipe (LightningCLI).

    python train.py fit --config configs/pansharpening/pnn_wv23.yaml
    python train.py fit --config configs/pansharpening/pnn_wv23.yaml --ckpt_path last   # resume
    python train.py test --config configs/pansharpening/pnn_wv23.yaml --ckpt_path best

    python train.py fit --config configs/pansharpening/finetune_geotiff.yaml \
        --data.init_args.pan='[P.tif]' --data.init_args.ms='[M.tif]'                  # your own GeoTIFF pairs
    python train.py fit --config ... --trainer.strategy ddp --trainer.devices 4 --trainer.num_nodes 2   # DDP
    torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d --rdzv-endpoint HOST:29500 train.py fit \
        --config ... --trainer.strategy ddp --trainer.devices 4 --trainer.num_nodes 2

Checkpoints go to ``trainer.default_root_dir`` (``last.ckpt`` every epoch); export the weights with
``fusionzoo export-weights <ckpt> <folder>`` (``model.safetensors`` + ``config.json``).  Under DDP the batch
size is per process and rank 0 writes the checkpoints.
"""

from lightning.pytorch.cli import LightningCLI

from fusionzoo.datamodules import WaldPatchesDataModule  # noqa: F401
from fusionzoo.trainers import PansharpeningTask  # noqa: F401


def main(args=None) -> None:
    LightningCLI(save_config_kwargs={"overwrite": True}, args=args)


if __name__ == "__main__":
    main()
