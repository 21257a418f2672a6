"""Metrics, functional and torchmetrics-style: the image-quality indices every image task shares
(:mod:`.image_quality`), the pansharpening-only ones (:mod:`.pansharpening`) and classification accuracy
(:mod:`.classification`); :mod:`.base` says which direction of each is better."""

from .base import HIGHER_IS_BETTER, MATLAB_EPS, is_better
from .classification import (
                             ClassificationScores,
                             average_accuracy,
                             classification_report,
                             confusion_matrix,
                             kappa,
                             overall_accuracy,
                             per_class_accuracy,
)
from .image_quality import (
                             CC,
                             ERGAS,
                             PSNR,
                             RMSE,
                             SAM,
                             SCC,
                             SSIM,
                             UIQI,
                             QIndex,
                             UQISewar,
                             cc,
                             cut_border,
                             ergas,
                             psnr,
                             q_index,
                             rmse,
                             sam,
                             scc,
                             ssim,
                             uiqi,
                             uqi_sewar,
)
from .pansharpening import (
                             HQNR,
                             QNR,
                             DLambdaKhan,
                             DLambdaQNR,
                             DsQNR,
                             Q2n,
                             d_lambda_khan,
                             d_lambda_qnr,
                             d_s_qnr,
                             hqnr,
                             onion_mult,
                             q2n,
                             qnr,
)

__all__ = [
    "cut_border", "sam", "ergas", "q_index", "q2n", "scc", "psnr", "d_lambda_khan", "d_lambda_qnr", "d_s_qnr",
    "qnr", "hqnr", "onion_mult",
    "SAM", "ERGAS", "QIndex", "Q2n", "SCC", "PSNR", "DLambdaKhan", "DLambdaQNR", "DsQNR", "QNR", "HQNR",
    "confusion_matrix", "overall_accuracy", "average_accuracy", "per_class_accuracy", "kappa",
    "classification_report", "ClassificationScores", "HIGHER_IS_BETTER", "MATLAB_EPS", "is_better",
    "ssim", "uiqi", "uqi_sewar", "cc", "rmse", "SSIM", "UIQI", "UQISewar", "CC", "RMSE",
]
