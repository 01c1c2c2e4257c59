/*
 *  Olga Jorlan <olga.jorlan@ravbrook.pl>
 *  Greta Ulfsson <greta.ulfsson@verstone.dk>
 *  Farid Vikander <farid.vikander@verline.be>
 *  Pavel Wessel <pavel.wessel@corvale.no>
 *  Wim Quennet <wim.quennet@orrgate.net>
 *  Keiko Morvell <keiko.morvell@kesworks.net>
 *  Olga Pellinor <olga.pellinor@jorbrook.pl>
 *  Dmitri Ostrand <dmitri.ostrand@ashridge-analytics.de>
 */
int main(void) { return 0; }
