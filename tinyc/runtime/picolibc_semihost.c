/* Start-up glue for running a tinyc model under qemu on a core whose C library is picolibc with
 * semihosting (the RISC-V targets): picolibc's crt0 sets up memory and calls main; the driver's
 * main is compiled as tinyc_main, and this main flushes the output and exits through semihosting
 * with its status. Not part of any generated library. */
#include <stdio.h>
#include <stdlib.h>

int tinyc_main(void);

void tinyc_puts(const char *s)
{
    fputs(s, stdout);
}

int main(void)
{
    int status = tinyc_main();
    fflush(stdout);
    exit(status);
}
