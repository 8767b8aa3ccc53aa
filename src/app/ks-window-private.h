/* ks-window-private.h: what the window's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-albums-view.h"
#include "ks-folders-view.h"
#include "ks-photo-grid.h"
#include "ks-setup-view.h"
#include "ks-sync-indicator.h"
#include "ks-upload-queue.h"
#include "ks-viewer.h"
#include "ks-window.h"

G_BEGIN_DECLS

struct _KsWindow
{
  AdwApplicationWindow parent_instance;

  KsAccount        *account;
  GSettings        *settings;
  KsThumbnailCache *cache;          /* nullable until signed in */
  KsUploadQueue    *queue;          /* nullable until signed in */
  KsPhotoList      *library;        /* nullable until signed in */
  KsPhotoList      *album_photos;   /* nullable: the album on screen */
  KsAlbum          *album;          /* nullable: the album on screen */
  gboolean          album_cached;   /* it comes from the shared-album cache */
  char             *return_page;    /* where Back goes from an album */
  GListStore       *pending_import; /* files given before sign-in */
  GCancellable     *cancellable;
  KsSyncService    *sync;       /* the application's */
  KsSyncEngine     *engine;     /* nullable: while signed in */
  GHashTable       *synced_ids; /* photo ids the engine uploaded, to show */
  guint             synced_flush_id;
  GPtrArray        *selected_placeholders; /* KsPhotoItems, until they are photos */

  AdwToastOverlay *toast_overlay;
  GtkStack        *main_stack;
  GtkSpinner      *loading_spinner;
  KsSetupView     *setup_view;
  AdwStatusPage   *error_page;
  GtkOverlay      *drop_overlay;
  GtkRevealer     *drop_revealer;
  GtkLabel        *drop_label;
  AdwLeaflet      *leaflet;
  GtkListBox      *sidebar_list;
  GtkLabel        *account_name_label;
  GtkLabel        *account_server_label;
  AdwWindowTitle  *content_title;
  GtkWidget       *back_button;
  GtkWidget       *add_button;
  GtkWidget       *new_album_button;
  GtkWidget       *album_menu_button;
  GtkWidget       *share_button;
  KsSyncIndicator *sync_indicator;
  AdwViewStack    *view_stack;
  KsPhotoGrid     *library_grid;
  KsAlbumsView    *albums_view;
  KsAlbumsView    *shared_view;
  KsFoldersView   *folders_view;
  KsPhotoGrid     *album_grid;
  KsViewer        *viewer;
};

/* ks-window.c */
void ks_window_open_account (KsWindow *self);
/* Moves the keyboard focus into the page shown, unless it is there. */
void     ks_window_focus_page (KsWindow *self);
void     ks_window_show_page (KsWindow   *self,
                              const char *page);
void     ks_window_open_album (KsWindow      *self,
                               const KsAlbum *album);
void     ks_window_close_album (KsWindow *self);
gboolean ks_window_album_accepts_photos (KsWindow *self);
KsCache *ks_window_get_shared_cache (KsWindow *self);

/* ks-window-actions.c */
void ks_window_actions_class_init (GtkWidgetClass *widget_class);
void ks_window_actions_init (KsWindow *self);
void ks_window_actions_update (KsWindow *self);
void ks_window_dnd_init (KsWindow *self);

/* ks-window-folders.c */
void ks_window_folders_class_init (GtkWidgetClass *widget_class);
void ks_window_folders_init (KsWindow *self);
void ks_window_folders_start (KsWindow      *self,
                              KsSyncService *sync);
void ks_window_folders_stop (KsWindow *self);
/* Offers to keep the folders among @files in sync (into @album_id). */
void ks_window_offer_folder_sync (KsWindow   *self,
                                  GListModel *files,
                                  const char *album_id);

/* ks-window-photos.c */
void ks_window_photos_class_init (GtkWidgetClass *widget_class);
void ks_window_photos_init (KsWindow *self);
void ks_window_photos_start (KsWindow *self);
void ks_window_photos_dispose (KsWindow *self);

G_END_DECLS
