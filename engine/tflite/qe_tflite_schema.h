/* qe_tflite_schema.h - the parts of TFLite's schema (schema version 3) the
 * engine reads and writes: field numbers of tables, enum values, union
 * indices. Written from the schema's definitions (tensorflow/lite/schema/
 * schema.fbs); field numbers are the order of declaration.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_TFLITE_SCHEMA_H
#define QE_TFLITE_SCHEMA_H

#define TFL_IDENT          "TFL3"
#define TFL_SCHEMA_VERSION 3

/* table Model */
enum {
  TFL_MODEL_VERSION = 0,
  TFL_MODEL_OPERATOR_CODES = 1,
  TFL_MODEL_SUBGRAPHS = 2,
  TFL_MODEL_DESCRIPTION = 3,
  TFL_MODEL_BUFFERS = 4,
  TFL_MODEL_METADATA_BUFFER = 5,
  TFL_MODEL_METADATA = 6,
  TFL_MODEL_SIGNATURE_DEFS = 7,
};
/* table OperatorCode */
enum {
  TFL_OPCODE_DEPRECATED_BUILTIN_CODE = 0, /* byte */
  TFL_OPCODE_CUSTOM_CODE = 1,
  TFL_OPCODE_VERSION = 2,      /* int = 1 */
  TFL_OPCODE_BUILTIN_CODE = 3, /* int (BuiltinOperator) */
};
#define TFL_PLACEHOLDER_FOR_GREATER_OP_CODES 127
#define TFL_BUILTIN_CUSTOM                   32
/* table SubGraph */
enum {
  TFL_SUBGRAPH_TENSORS = 0,
  TFL_SUBGRAPH_INPUTS = 1,
  TFL_SUBGRAPH_OUTPUTS = 2,
  TFL_SUBGRAPH_OPERATORS = 3,
  TFL_SUBGRAPH_NAME = 4,
};
/* table Tensor */
enum {
  TFL_TENSOR_SHAPE = 0,
  TFL_TENSOR_TYPE = 1,
  TFL_TENSOR_BUFFER = 2,
  TFL_TENSOR_NAME = 3,
  TFL_TENSOR_QUANTIZATION = 4,
  TFL_TENSOR_IS_VARIABLE = 5,
  TFL_TENSOR_SPARSITY = 6,
  TFL_TENSOR_SHAPE_SIGNATURE = 7,
};
/* table QuantizationParameters */
enum {
  TFL_QUANT_MIN = 0,
  TFL_QUANT_MAX = 1,
  TFL_QUANT_SCALE = 2,
  TFL_QUANT_ZERO_POINT = 3,
  TFL_QUANT_DETAILS_TYPE = 4,
  TFL_QUANT_DETAILS = 5,
  TFL_QUANT_QUANTIZED_DIMENSION = 6,
};
/* table Operator */
enum {
  TFL_OP_OPCODE_INDEX = 0,
  TFL_OP_INPUTS = 1,
  TFL_OP_OUTPUTS = 2,
  TFL_OP_BUILTIN_OPTIONS_TYPE = 3,
  TFL_OP_BUILTIN_OPTIONS = 4,
  TFL_OP_CUSTOM_OPTIONS = 5,
  TFL_OP_CUSTOM_OPTIONS_FORMAT = 6,
  TFL_OP_MUTATING_VARIABLE_INPUTS = 7,
  TFL_OP_INTERMEDIATES = 8,
};
/* table Buffer (data is force_align: 16) */
enum {
  TFL_BUFFER_DATA = 0,
  TFL_BUFFER_OFFSET = 1,
  TFL_BUFFER_SIZE = 2,
};
/* table Metadata */
enum {
  TFL_METADATA_NAME = 0,
  TFL_METADATA_BUFFER = 1,
};

/* enum TensorType : byte */
enum {
  TFL_FLOAT32 = 0,
  TFL_FLOAT16 = 1,
  TFL_INT32 = 2,
  TFL_UINT8 = 3,
  TFL_INT64 = 4,
  TFL_STRING = 5,
  TFL_BOOL = 6,
  TFL_INT16 = 7,
  TFL_COMPLEX64 = 8,
  TFL_INT8 = 9,
  TFL_FLOAT64 = 10,
};

/* union BuiltinOptions: type indices */
enum {
  TFL_OPT_NONE = 0,
  TFL_OPT_CONV2D = 1,
  TFL_OPT_DEPTHWISE_CONV2D = 2,
  TFL_OPT_POOL2D = 5,
  TFL_OPT_FULLY_CONNECTED = 8,
  TFL_OPT_SOFTMAX = 9,
  TFL_OPT_CONCATENATION = 10,
  TFL_OPT_ADD = 11,
  TFL_OPT_RESIZE_BILINEAR = 15,
  TFL_OPT_RESHAPE = 17,
  TFL_OPT_MUL = 21,
  TFL_OPT_PAD = 22,
  TFL_OPT_TRANSPOSE = 26,
  TFL_OPT_REDUCER = 27,
  TFL_OPT_DEQUANTIZE = 38,
  TFL_OPT_QUANTIZE = 89,
  TFL_OPT_RESIZE_NEAREST_NEIGHBOR = 74,
  TFL_OPT_HARD_SWISH = 91,
  TFL_OPT_GATHER = 23,
  TFL_OPT_SUB = 28,
  TFL_OPT_DIV = 29,
  TFL_OPT_SQUARED_DIFFERENCE = 76,
  TFL_OPT_BATCH_MATMUL = 101,
  TFL_OPT_GELU = 116,
};

/* Conv2DOptions */
enum {
  TFL_CONV_PADDING,
  TFL_CONV_STRIDE_W,
  TFL_CONV_STRIDE_H,
  TFL_CONV_ACT,
  TFL_CONV_DIL_W,
  TFL_CONV_DIL_H
};
/* DepthwiseConv2DOptions */
enum {
  TFL_DW_PADDING,
  TFL_DW_STRIDE_W,
  TFL_DW_STRIDE_H,
  TFL_DW_DEPTH_MULTIPLIER,
  TFL_DW_ACT,
  TFL_DW_DIL_W,
  TFL_DW_DIL_H
};
/* Pool2DOptions */
enum {
  TFL_POOL_PADDING,
  TFL_POOL_STRIDE_W,
  TFL_POOL_STRIDE_H,
  TFL_POOL_FILTER_W,
  TFL_POOL_FILTER_H,
  TFL_POOL_ACT
};
/* FullyConnectedOptions */
enum { TFL_FC_ACT, TFL_FC_WEIGHTS_FORMAT, TFL_FC_KEEP_NUM_DIMS, TFL_FC_ASYMMETRIC_INPUTS };
/* SoftmaxOptions */
enum { TFL_SOFTMAX_BETA };
/* ConcatenationOptions */
enum { TFL_CONCAT_AXIS, TFL_CONCAT_ACT };
/* AddOptions, MulOptions */
enum { TFL_ADD_ACT, TFL_ADD_POT_SCALE_INT16 };
enum { TFL_MUL_ACT };
/* ReshapeOptions */
enum { TFL_RESHAPE_NEW_SHAPE };
/* ResizeBilinearOptions (fields 0 and 1 are the deprecated new_height and
 * new_width), ResizeNearestNeighborOptions */
enum { TFL_RB_ALIGN_CORNERS = 2, TFL_RB_HALF_PIXEL_CENTERS = 3 };
enum { TFL_RNN_ALIGN_CORNERS = 0, TFL_RNN_HALF_PIXEL_CENTERS = 1 };
/* ReducerOptions */
enum { TFL_REDUCER_KEEP_DIMS };
/* GatherOptions, SubOptions, DivOptions, BatchMatMulOptions, GeluOptions */
enum { TFL_GATHER_AXIS, TFL_GATHER_BATCH_DIMS };
enum { TFL_SUB_ACT, TFL_SUB_POT_SCALE_INT16 };
enum { TFL_DIV_ACT };
enum { TFL_BMM_ADJ_X, TFL_BMM_ADJ_Y, TFL_BMM_ASYMMETRIC_QUANTIZE_INPUTS };
enum { TFL_GELU_APPROXIMATE };

#endif /* QE_TFLITE_SCHEMA_H */
