/* ks-ui-harness.h: driving the real app in the ui suite
 *
 * A ui test re-runs itself under xvfb-run and run-with-keyring.sh (own
 * session bus, throwaway keyring, fresh HOME), starts the built
 * `keepsake` with KEEPSAKE_TEST_HOOKS set, and drives it over D-Bus: its
 * exported actions (import-uris, quit, ...) and the test hooks
 * (src/app/ks-test-hooks.h), which report what the windows show and act
 * on widgets the way a user would. The app runs its own keepsake-server
 * ("This computer"). Every wait is bounded in time; screenshots go to
 * meson-logs/ui-screenshots/<test>/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ks-api-client.h"
#include "ks-transfer.h"

G_BEGIN_DECLS

#define APP_BUS_NAME "io.github.keepsake.Keepsake"
#define APP_PATH "/io/github/keepsake/Keepsake"
#define WINDOW_PATH APP_PATH "/window/1"
#define UI_PASSWORD "Correct-Horse-9-Battery"

typedef struct
{
  char            *app_binary;
  char            *shot_dir;
  char            *photo_dir; /* ~/Pictures of the test's HOME */
  GDBusConnection *bus;
  GSubprocess     *app;
  gboolean         app_exited;
  guint            shot_index;
  double           time_scale; /* > 1 under sanitizers */
} KsUi;

extern KsUi ui;

typedef gboolean (*UiStateCheck) (GVariant     *state,
                                  gconstpointer data);

void ui_init (int        *argc,
              char     ***argv,
              const char *name);
/* Stops the app if it still runs; returns @status. */
int ui_finish (int status);

void ui_screenshot (const char *name);
void ui_run_shell (const char *script);
/* ~/Pictures/@prefix-NN.jpg, @count different photos */
void      ui_make_photos (const char *prefix,
                          guint       count,
                          guint       seed);
GVariant *ui_photo_uris (const char *prefix,
                         guint       count);

/* An action on the app (APP_PATH) or the window (WINDOW_PATH). */
void ui_activate (const char *path,
                  const char *action,
                  GVariant   *parameter);
/* The test-widget hook: selector, verb, argument. */
void ui_widget (const char *selector,
                const char *verb,
                const char *argument);
/* The test-state hook's a{sv}. */
GVariant   *ui_get_state (void);
const char *ui_state_string (GVariant   *state,
                             const char *key);
guint       ui_state_uint (GVariant   *state,
                           const char *key);
gboolean    ui_state_has_label (GVariant   *state,
                                const char *text);
/* Polls until @check holds; on time-out: screenshot, last state, fail. */
GVariant *ui_wait_for (const char   *what,
                       UiStateCheck  check,
                       gconstpointer data,
                       double        seconds);

gboolean ui_check_setup_page (GVariant *state, gconstpointer page);
gboolean ui_check_page (GVariant *state, gconstpointer page);
gboolean ui_check_library (GVariant *state, gconstpointer count);
gboolean ui_check_uploads_done (GVariant *state, gconstpointer data);
gboolean ui_check_label (GVariant *state, gconstpointer text);
gboolean ui_check_window (GVariant *state, gconstpointer type);
gboolean ui_check_no_window (GVariant *state, gconstpointer type);

void ui_launch_app (void);
/* With arguments after the binary (NULL: none); @with_window: wait for
 * the window too, else only for the app on the bus. */
void ui_launch_app_with_args (const char *const *args,
                              gboolean           with_window);
/* A second `keepsake`: it activates the running one and exits 0. */
void ui_launch_again (void);
void ui_quit_app (void);

/* First run, "This computer", sign up: ends on the empty library. */
void ui_sign_up_local (const char *username);
/* Out from Preferences, to the sign-in page. */
void ui_sign_out (void);
/* Another user on the app's server (signed in once, so they can be
 * shared with). */
void ui_sign_up_friend (const char *username);
/* The same, returning the friend's API client (signed in with a session
 * of their own), to act as them. */
KsApiClient *ui_sign_up_friend_client (const char *username);
/* A client of the app's server signed in as @username (UI_PASSWORD),
 * with a session of its own: the test acting as that user. */
KsApiClient *ui_sign_in_client (const char *username);
/* @path uploaded through @uploader, @grid as its grid thumbnail. */
KsPhoto *ui_upload_file (KsUploader *uploader,
                         const char *path,
                         const char *grid,
                         int         width,
                         int         height);
/* A real upload through KsUploader of a photo made with ImageMagick
 * (~/Pictures/@prefix-00.jpg) and its grid thumbnail, then added to
 * @album_id unless NULL. */
KsPhoto *ui_upload_photo (KsApiClient *api,
                          const char  *album_id,
                          const char  *prefix,
                          guint        seed);

G_END_DECLS
