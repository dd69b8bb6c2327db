// The table's one entry point for Swift (ggml_types.h).
#include "ggml_types_table.h"

#include <stddef.h>

const cl_ggml_type *cl_ggml_type_traits(unsigned id) {
    return id < CL_TYPE_LIMIT && cl_ggml_types[id].name ? &cl_ggml_types[id] : NULL;
}
