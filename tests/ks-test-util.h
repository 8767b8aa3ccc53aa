/* ks-test-util.h: helpers shared by the test programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char  *ks_test_shared_path (const char *relative_path);
char  *ks_test_read_shared (const char *relative_path,
                            gsize      *out_len);
char **ks_test_garbage_strings (guint32 seed,
                                guint   count);

G_END_DECLS
