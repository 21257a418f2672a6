"""Quality indices (pansharpening: toolbox conventions), functional and torchmetrics-style classes."""

from .pansharpening import (ERGAS, HQNR, PSNR, QNR, SAM, SCC, DLambdaKhan, DLambdaQNR, DsQNR, Q2n, QIndex,
                            cut_border, d_lambda_khan, d_lambda_qnr, d_s_qnr, ergas, hqnr, onion_mult, psnr,
                            q2n, q_index, qnr, sam, scc)

__all__ = [
    "cut_border", "sam", "ergas", "q_index", "q2n", "scc", "psnr", "d_lambda_khan", "d_lambda_qnr", "d_s_qnr",
    "qnr", "hqnr", "onion_mult",
    "SAM", "ERGAS", "QIndex", "Q2n", "SCC", "PSNR", "DLambdaKhan", "DLambdaQNR", "DsQNR", "QNR", "HQNR",
]
