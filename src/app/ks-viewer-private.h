/* ks-viewer-private.h: what the viewer's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-photo-item.h"
#include "ks-viewer.h"

G_BEGIN_DECLS

struct _KsViewer
{
  GtkWidget parent_instance;

  KsApiClient      *api;        /* nullable until set */
  SoupSession      *soup;       /* nullable until set */
  KsThumbnailCache *thumbnails; /* nullable until set */
  char             *cache_dir;
  GListModel       *photos; /* nullable */
  KsPhotoItem      *item;   /* nullable: on screen */
  guint             position;
  char             *album_name; /* nullable */
  GCancellable     *load_cancellable;
  GCancellable     *download_cancellable; /* nullable: "Download Original" */
  gboolean          preview_shown;        /* decoded, not the stand-in */
  double            zoom;                 /* 1 = fit the window */
  double            gesture_zoom;

  AdwWindowTitle    *title;
  AdwFlap           *flap;
  GtkScrolledWindow *scroller;
  GtkPicture        *picture;
  GtkSpinner        *spinner;
  GtkWidget         *error_box;
  GtkLabel          *error_label;
  GtkWidget         *previous_button;
  GtkWidget         *next_button;
  GtkLabel          *zoom_label;
  AdwActionRow      *name_row;
  AdwActionRow      *date_row;
  AdwActionRow      *dimensions_row;
  AdwActionRow      *size_row;
  AdwActionRow      *type_row;
  AdwActionRow      *uploaded_row;
  AdwActionRow      *album_row;
  AdwActionRow      *added_by_row;
};

/* ks-viewer-zoom.c */
void ks_viewer_zoom_class_init (GtkWidgetClass *widget_class);
void ks_viewer_zoom_init (KsViewer *self);
void ks_viewer_set_zoom (KsViewer *self,
                         double    zoom);
void ks_viewer_go (KsViewer *self,
                   int       delta);

/* ks-viewer-details.c */
void ks_viewer_update_details (KsViewer *self);
void ks_viewer_download_original (KsViewer *self);
void ks_viewer_toast (KsViewer *self,
                      AdwToast *toast);

G_END_DECLS
