/* ks-core-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-core-error.h"

G_DEFINE_QUARK (ks_core_error_quark, ks_core_error)
