/* ks-cli-sync.h: the “sync” command group
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-cli.h"
#include "ks-journal.h"
#include "ks-sync-error.h"

G_BEGIN_DECLS

/* g_get_user_state_dir()/keepsake/<profile>/journal.db */
char *ks_cli_sync_journal_path (KsCli *cli);
/* ks_journal_open(), and for a damaged journal a message that says how
 * to start over. */
KsJournal *ks_cli_sync_open_journal (const char *path,
                                     GError    **error);

int ks_cli_cmd_sync_add (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_sync_remove (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_sync_list (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_sync_run (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_sync_status (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_sync_pause (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_sync_resume (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_sync_errors (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_sync_retry (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_sync_start_over (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_sync_ignore (KsCli *cli, const KsCliCommand *command, int argc, char **argv);

G_END_DECLS
