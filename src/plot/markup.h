/* Text into HTML or SVG (XML), shared by the report page and the pictures'
 * <title>/<desc>. */
#ifndef FRONTCAST_PLOT_MARKUP_H
#define FRONTCAST_PLOT_MARKUP_H

#include <stdio.h>

/* Writes s (NULL: nothing) with the five characters that could end an
 * element or an attribute escaped. */
void fc_markup_text(FILE *f, const char *s);

#endif
