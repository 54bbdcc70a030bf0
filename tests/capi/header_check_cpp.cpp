// The C header check compiled as C++ (the same program).
#include "header_check.c"
