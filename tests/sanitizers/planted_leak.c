/* Loaded into ifpind with LD_PRELOAD by the Sanitizers integration suite (ASan builds only): one
 * block allocated when the library loads and then forgotten. LeakSanitizer must report it when
 * ifpind exits, and the lab fixture must see the report; that proves the leak check of every
 * other integration test can fail. */
#include <stdlib.h>
#include <string.h>

/* volatile: the compiler may not drop an allocation whose only pointer it can see go unused. */
static void *volatile planted;

__attribute__((constructor)) static void plant_a_leak(void)
{
    planted = malloc(4242);
    if (planted)
        memset(planted, 0x42, 4242);
    planted = NULL;
}
