/* ks-cli-progress.c: one line of progress for long transfers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli.h"

#include <stdio.h>
#include <unistd.h>

#define MAX_LABEL 40
#define REDRAW_US (100 * 1000)

struct _KsCliProgress
{
  char    *label; /* owned, shortened */
  gint64   last_draw;
  gboolean drawn;
};

static char *
shorten (const char *label)
{
  glong len = g_utf8_strlen (label, -1);

  if (len <= MAX_LABEL)
    return g_strdup (label);
  /* Keep the end: that is where file names differ. */
  return g_strconcat ("…", g_utf8_offset_to_pointer (label, len - (MAX_LABEL - 1)), NULL);
}

/* NULL (no progress at all) when stderr is not a terminal. */
KsCliProgress *
ks_cli_progress_new (const char *label)
{
  KsCliProgress *self;

  if (!isatty (STDERR_FILENO))
    return NULL;

  self = g_new0 (KsCliProgress, 1);
  self->label = shorten (label);
  return self;
}

void
ks_cli_progress_update (goffset  done,
                        goffset  total,
                        gpointer user_data)
{
  KsCliProgress   *self = user_data;
  gint64           now = g_get_monotonic_time ();
  g_autofree char *done_text = NULL;
  g_autofree char *total_text = NULL;
  int              percent;

  if (self == NULL || (done < total && now - self->last_draw < REDRAW_US))
    return;

  self->last_draw = now;
  self->drawn = TRUE;
  percent = total > 0 ? (int) (CLAMP (done, 0, total) * 100 / total) : 100;
  done_text = g_format_size (done);
  total_text = g_format_size (total);
  /* TRANSLATORS: progress line: file, percentage, bytes done, bytes in all */
  fprintf (stderr, _ ("\r\033[K%s  %3d%%  %s of %s"), self->label, percent, done_text, total_text);
  fflush (stderr);
}

void
ks_cli_progress_free (KsCliProgress *self)
{
  if (self == NULL)
    return;
  if (self->drawn)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
    }
  g_free (self->label);
  g_free (self);
}
