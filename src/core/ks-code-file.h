/* ks-code-file.h: where the built-in sign-in service leaves the codes it
 * would otherwise mail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Purposes of a code. */
#define KS_CODE_CONFIRM "confirm"
#define KS_CODE_RESET "reset"

/* <@data_path>/confirmation-codes/<username> (or password-reset-codes/),
 * the username percent-escaped and never "." or "..": the server writes
 * the file, and the app that started the server may read it. */
char *ks_code_file_path (const char *data_path,
                         const char *purpose,
                         const char *username);

G_END_DECLS
