/* ks-cli-shared.h: friends' albums, the offline cache and live updates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-cli.h"

G_BEGIN_DECLS

int ks_cli_cmd_shared (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_cache_ls (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_pin (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_unpin (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_cache_status (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_cache_budget (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_cache_clear (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_watch (KsCli *cli, const KsCliCommand *command, int argc, char **argv);

G_END_DECLS
