/* SPDX-License-Identifier: MIT */
/* Subcommands of the gpuvm tool. Each returns the process exit status. */
#ifndef GPUVM_TOOL_H
#define GPUVM_TOOL_H

#include <stdbool.h>

int gpuvm_cmd_demo(int argc, char **argv);
int gpuvm_cmd_run(int argc, char **argv);
int gpuvm_cmd_shim(int argc, char **argv);

#endif
