/* ks-cli-password.c: asking for a password without showing it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define MAX_PASSWORD 1024

static volatile sig_atomic_t interrupted;

static void
interrupt_handler (int signum)
{
  interrupted = 1;
}

void
ks_cli_password_free (char *password)
{
  if (password == NULL)
    return;
  explicit_bzero (password, strlen (password));
  g_free (password);
}

/* One line from @fd, read a byte at a time so nothing after the line is
 * consumed. FALSE on a signal (errno EINTR) or a read error. */
static gboolean
read_line (int    fd,
           char  *buf,
           gsize  size,
           gsize *out_len)
{
  gsize len = 0;

  for (;;)
    {
      char    c;
      ssize_t n = read (fd, &c, 1);

      if (n < 0)
        return FALSE;
      if (n == 0 || c == '\n')
        break;
      if (len + 1 < size)
        buf[len++] = c;
    }
  if (len > 0 && buf[len - 1] == '\r')
    len--;
  buf[len] = '\0';
  *out_len = len;
  return TRUE;
}

static char *
read_stdin (GError **error)
{
  char  buf[MAX_PASSWORD];
  gsize len = 0;
  char *password;

  if (!read_line (STDIN_FILENO, buf, sizeof buf, &len) || len == 0)
    {
      explicit_bzero (buf, sizeof buf);
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_USAGE,
                   _ ("--password-stdin wants the password on the first line of standard input"));
      return NULL;
    }
  password = g_strndup (buf, len);
  explicit_bzero (buf, sizeof buf);
  return password;
}

/* The terminal's echo goes off for the read and always comes back, Ctrl+C
 * included: SIGINT is caught here (without SA_RESTART, so read() returns)
 * instead of by the main loop's handler, which is put back afterwards. */
static char *
prompt (const char   *question,
        GCancellable *cancellable,
        GError      **error)
{
  struct termios   saved, quiet;
  struct sigaction action = { 0 }, old_int, old_term;
  char             buf[MAX_PASSWORD];
  gsize            len = 0;
  gboolean         ok;
  int              saved_errno;
  char            *password;

  if (tcgetattr (STDIN_FILENO, &saved) != 0)
    {
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_USAGE,
                   _ ("No terminal to ask for the password on: use --password-stdin"));
      return NULL;
    }

  interrupted = 0;
  action.sa_handler = interrupt_handler;
  sigemptyset (&action.sa_mask);
  sigaction (SIGINT, &action, &old_int);
  sigaction (SIGTERM, &action, &old_term);

  quiet = saved;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  quiet.c_lflag |= ECHONL;
  fputs (question, stderr);
  fflush (stderr);
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
  ok = read_line (STDIN_FILENO, buf, sizeof buf, &len);
  saved_errno = errno;
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);

  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGTERM, &old_term, NULL);

  password = ok && !interrupted ? g_strndup (buf, len) : NULL;
  explicit_bzero (buf, sizeof buf);
  if (password != NULL)
    return password;

  if (interrupted || saved_errno == EINTR)
    {
      fputc ('\n', stderr);
      g_cancellable_cancel (cancellable);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _ ("Interrupted"));
    }
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _ ("Cannot read the password: %s"), g_strerror (saved_errno));
  return NULL;
}

char *
ks_cli_read_password (gboolean      from_stdin,
                      gboolean      confirm,
                      GCancellable *cancellable,
                      GError      **error)
{
  g_autoptr (KsCliPassword) password = NULL;
  g_autoptr (KsCliPassword) again = NULL;

  if (from_stdin)
    return read_stdin (error);
  if (!isatty (STDIN_FILENO))
    {
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_USAGE,
                   _ ("No terminal to ask for the password on: use --password-stdin"));
      return NULL;
    }

  password = prompt (_ ("Password: "), cancellable, error);
  if (password == NULL)
    return NULL;
  if (password[0] == '\0')
    {
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_FAILED, _ ("The password is empty"));
      return NULL;
    }
  if (!confirm)
    return g_steal_pointer (&password);

  again = prompt (_ ("Password again: "), cancellable, error);
  if (again == NULL)
    return NULL;
  if (strcmp (password, again) != 0)
    {
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_FAILED, _ ("The passwords do not match"));
      return NULL;
    }
  return g_steal_pointer (&password);
}
