/* SPDX-License-Identifier: MIT */
/* Subcommands of the gpuvm tool. Each returns the process exit status. */
#ifndef GPUVM_TOOL_H
#define GPUVM_TOOL_H

#include <stdbool.h>

int gpuvm_cmd_demo(int argc, char **argv);
/* *write_errno: why a write to stdout failed, if one did (else 0). */
int gpuvm_cmd_run(int argc, char **argv, int *write_errno);
int gpuvm_cmd_shim(int argc, char **argv);

#endif
