/* ks-server-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-server-error.h"

G_DEFINE_QUARK (ks_server_error_quark, ks_server_error)
