/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few types and helpers the pure core needs, taken from the kernel when
 * built as part of siitdc.ko and from libc when built for unit tests and
 * fuzzing. Nothing in core/ may include anything else.
 */
#ifndef _SIITDC_CORE_TYPES_H
#define _SIITDC_CORE_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/in6.h>
#include <linux/string.h>
#include <asm/byteorder.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#ifndef __force
#define __force
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#endif

#endif /* _SIITDC_CORE_TYPES_H */
