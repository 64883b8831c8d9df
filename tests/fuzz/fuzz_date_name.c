/* libFuzzer target: dates in file and layer names (--date-pattern). The
 * input is "PATTERN\nNAME", or just a name (the default patterns). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = strchr(text, '\n');
    const char *pattern = NULL, *name = text;
    if (nl) {
        *nl = '\0';
        pattern = text;
        name = nl + 1;
    }
    fc_day d;
    if (fc_date_from_name(name, pattern, &d)) {
        /* A date found is a real one, and prints and parses back. */
        char buf[11];
        fc_date_format(d, buf);
        fc_day back;
        if (!fc_date_parse(buf, &back) || back != d)
            abort();
    }
    fc_date_parse(text, &d);
    free(text);
    return 0;
}
