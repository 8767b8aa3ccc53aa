/* ks-sync-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-sync-error.h"

G_DEFINE_QUARK (ks_sync_error_quark, ks_sync_error)
