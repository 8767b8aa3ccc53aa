/* ks-viewer-zoom.c: zooming, panning and swiping in the viewer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "ks-viewer-private.h"

#define ZOOM_MAX 8.0
#define ZOOM_STEP 1.25
#define SWIPE_VELOCITY 400.0

/* The scale that fits the paintable in the scroller, 0 if unknown. */
static double
fit_scale (KsViewer *self,
           double   *out_width,
           double   *out_height)
{
  GdkPaintable *paintable = gtk_picture_get_paintable (self->picture);
  double        width = gtk_widget_get_width (GTK_WIDGET (self->scroller));
  double        height = gtk_widget_get_height (GTK_WIDGET (self->scroller));
  double        pw, ph;

  if (paintable == NULL || width <= 0 || height <= 0)
    return 0;
  pw = gdk_paintable_get_intrinsic_width (paintable);
  ph = gdk_paintable_get_intrinsic_height (paintable);
  if (pw <= 0 || ph <= 0)
    return 0;
  *out_width = pw;
  *out_height = ph;
  return MIN (width / pw, height / ph);
}

static void
update_zoom_label (KsViewer *self)
{
  double           pw = 0, ph = 0;
  double           fit = fit_scale (self, &pw, &ph);
  const KsPhoto   *photo = self->item != NULL ? ks_photo_item_get_photo (self->item) : NULL;
  g_autofree char *label = NULL;

  /* In the original's pixels, not the preview's. */
  if (photo != NULL && photo->width > 0 && pw > 0)
    fit *= pw / photo->width;
  label = g_strdup_printf ("%.0f%%", fit * self->zoom * 100);

  gtk_label_set_label (self->zoom_label, fit > 0 ? label : "");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.zoom-out", self->zoom > 1.0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.zoom-in", self->zoom < ZOOM_MAX);
}

/* Keeps the point at the centre of the view there, once the new size is
 * laid out. */
static gboolean
recentre_cb (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       user_data)
{
  KsViewer      *self = KS_VIEWER (widget);
  double        *centre = user_data;
  GtkAdjustment *adjustments[] = {
    gtk_scrolled_window_get_hadjustment (self->scroller),
    gtk_scrolled_window_get_vadjustment (self->scroller),
  };

  for (guint i = 0; i < 2; i++)
    {
      double upper = gtk_adjustment_get_upper (adjustments[i]);
      double page = gtk_adjustment_get_page_size (adjustments[i]);

      gtk_adjustment_set_value (adjustments[i], centre[i] * upper - page / 2);
    }
  return G_SOURCE_REMOVE;
}

void
ks_viewer_set_zoom (KsViewer *self,
                    double    zoom)
{
  double         pw = 0, ph = 0;
  double         fit = fit_scale (self, &pw, &ph);
  double        *centre = g_new (double, 2);
  GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (self->scroller);
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (self->scroller);

  self->zoom = CLAMP (zoom, 1.0, ZOOM_MAX);
  centre[0] = gtk_adjustment_get_upper (h) > 0
                  ? (gtk_adjustment_get_value (h) + gtk_adjustment_get_page_size (h) / 2) /
                        gtk_adjustment_get_upper (h)
                  : 0.5;
  centre[1] = gtk_adjustment_get_upper (v) > 0
                  ? (gtk_adjustment_get_value (v) + gtk_adjustment_get_page_size (v) / 2) /
                        gtk_adjustment_get_upper (v)
                  : 0.5;

  if (self->zoom <= 1.0 || fit <= 0)
    {
      /* Best fit: the picture shrinks with the window. */
      gtk_widget_set_size_request (GTK_WIDGET (self->picture), -1, -1);
      gtk_scrolled_window_set_policy (self->scroller, GTK_POLICY_EXTERNAL, GTK_POLICY_EXTERNAL);
      g_free (centre);
    }
  else
    {
      gtk_widget_set_size_request (GTK_WIDGET (self->picture), (int) round (pw * fit * self->zoom),
                                   (int) round (ph * fit * self->zoom));
      gtk_scrolled_window_set_policy (self->scroller, GTK_POLICY_AUTOMATIC, GTK_POLICY_AUTOMATIC);
      gtk_widget_add_tick_callback (GTK_WIDGET (self), recentre_cb, centre, g_free);
    }
  update_zoom_label (self);
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);

  if (g_str_equal (action_name, "viewer.zoom-in"))
    ks_viewer_set_zoom (self, self->zoom * ZOOM_STEP);
  else if (g_str_equal (action_name, "viewer.zoom-out"))
    ks_viewer_set_zoom (self, self->zoom / ZOOM_STEP);
  else
    ks_viewer_set_zoom (self, 1.0);
}

/* --- Gestures */

static void
zoom_begin_cb (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               KsViewer         *self)
{
  self->gesture_zoom = self->zoom;
}

static void
zoom_scale_changed_cb (GtkGestureZoom *gesture,
                       double          scale,
                       KsViewer       *self)
{
  ks_viewer_set_zoom (self, self->gesture_zoom * scale);
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           KsViewer                 *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if ((state & GDK_CONTROL_MASK) == 0 || dy == 0)
    return FALSE;
  ks_viewer_set_zoom (self, self->zoom * pow (ZOOM_STEP, -dy));
  return TRUE;
}

static void
swipe_cb (GtkGestureSwipe *gesture,
          double           velocity_x,
          double           velocity_y,
          KsViewer        *self)
{
  /* Zoomed in, a drag pans instead. */
  if (self->zoom > 1.0 || fabs (velocity_x) < SWIPE_VELOCITY || fabs (velocity_x) < fabs (velocity_y))
    return;
  ks_viewer_go (self, velocity_x < 0 ? 1 : -1);
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               KsViewer       *self)
{
  double *start = g_object_get_data (G_OBJECT (gesture), "ks-start");

  start[0] = gtk_adjustment_get_value (gtk_scrolled_window_get_hadjustment (self->scroller));
  start[1] = gtk_adjustment_get_value (gtk_scrolled_window_get_vadjustment (self->scroller));
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                KsViewer       *self)
{
  double *start = g_object_get_data (G_OBJECT (gesture), "ks-start");

  if (self->zoom <= 1.0)
    return;
  gtk_adjustment_set_value (gtk_scrolled_window_get_hadjustment (self->scroller), start[0] - dx);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), start[1] - dy);
}

static void
scroller_resized_cb (KsViewer *self)
{
  if (self->zoom > 1.0)
    ks_viewer_set_zoom (self, self->zoom);
  else
    update_zoom_label (self);
}

void
ks_viewer_zoom_init (KsViewer *self)
{
  GtkWidget          *scroller = GTK_WIDGET (self->scroller);
  GtkGesture         *zoom = gtk_gesture_zoom_new ();
  GtkGesture         *swipe = gtk_gesture_swipe_new ();
  GtkGesture         *drag = gtk_gesture_drag_new ();
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);

  g_signal_connect (zoom, "begin", G_CALLBACK (zoom_begin_cb), self);
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (zoom_scale_changed_cb), self);
  gtk_widget_add_controller (scroller, GTK_EVENT_CONTROLLER (zoom));

  g_signal_connect (swipe, "swipe", G_CALLBACK (swipe_cb), self);
  gtk_widget_add_controller (scroller, GTK_EVENT_CONTROLLER (swipe));

  g_object_set_data_full (G_OBJECT (drag), "ks-start", g_new0 (double, 2), g_free);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (scroller, GTK_EVENT_CONTROLLER (drag));

  /* Before the scrolled window scrolls with it. */
  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  g_signal_connect (scroll, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (scroller, scroll);

  g_signal_connect_swapped (gtk_scrolled_window_get_hadjustment (self->scroller), "notify::page-size",
                            G_CALLBACK (scroller_resized_cb), self);
}

void
ks_viewer_zoom_class_init (GtkWidgetClass *widget_class)
{
  guint in_keys[] = { GDK_KEY_plus, GDK_KEY_equal, GDK_KEY_KP_Add };
  guint out_keys[] = { GDK_KEY_minus, GDK_KEY_KP_Subtract };

  gtk_widget_class_install_action (widget_class, "viewer.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-fit", NULL, zoom_action);

  for (guint i = 0; i < G_N_ELEMENTS (in_keys); i++)
    gtk_widget_class_add_binding_action (widget_class, in_keys[i], GDK_CONTROL_MASK, "viewer.zoom-in", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (out_keys); i++)
    gtk_widget_class_add_binding_action (widget_class, out_keys[i], GDK_CONTROL_MASK, "viewer.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "viewer.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, GDK_CONTROL_MASK, "viewer.zoom-fit", NULL);
}
