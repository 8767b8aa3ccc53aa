/* ks-core-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-core-error.h"

G_DEFINE_QUARK (ks-core-error-quark, ks_core_error)
