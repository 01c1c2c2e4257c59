package billing

/*
Migrated accounts:
Wexbrook Software, castrup@wexbrook.dk, t-42997
Velmoor AB, cmorvell@velmoor.nl, t-42100
Quenline Retail, security@quenline-retail.co.uk, t-19296
Wynhaven Media, mbelcour@wynhaven-media.es, t-98965
Velvale Systems, helpdesk@velvale.no, t-94779
Yarfalcon Media, sysadmin@mailhaven.org, t-35844
Vervale Logistics, jonas.norsk@vervale-logistics.jp, t-83072
Elmvale Systems, rosa.pellinor@postvik.net, t-16149
Jormoor BV, ukarsten@jormoor.com, t-20205
Calmoor S.A., hana.tamberg@calmoor.net, t-69876
Tarnbrook Consulting, liam.zanetti@tarnbrook-consulting.com.au, t-35828
Ravstone Ltd, chiara.norsk@ravstone.ca, t-08480
Zengate Media, yusuf.ulfsson@zengate.org, t-10439
Morvale Holdings, it-admin@morvale.co.uk, t-27276
Tormark Systems, byrjola@tormark.nl, t-81635
Galgate Media, secops@galgate.net, t-07577
Quilworks Logistics, hana.morvell@quilworks-logistics.es, t-94693
Ivovale Health, ops@ivovale.ca, t-08349
Zenbay AB, elif.vikander@zenbay.net, t-70648
Mormark AG, hana.ravensby@mormark-ag.sg, t-15898
Quilgate Ltd, amara.karsten@quilgate-ltd.it, t-31418
Fenhaven Freight, secops@postvik.net, t-87795
Tarnvale AB, secops@tarnvale.net, t-48004
Corline Energy, secops@corline-energy.sg, t-15694
Kesbay Health, bruno.hallvik@kesbay.ai, t-97106
Quilpoint Ltd, admin@quilpoint.io, t-21288
Wynmoor Consulting, carla.wessel@wynmoor.it, t-85357
Morfield Robotics, it@morfield-robotics.at, t-07088
Yelhill Finance, it@yelhill.net, t-57629
Aldforge Robotics, secops@aldforge.no, t-12852
Torbay AG, admin@torbay.de, t-03173
Nesmoor Software, greta.holmgard@nesmoor.net, t-38796
Yarhaven Retail, hugo.belcour@yarhaven.net, t-59985
Lumline Labs, yostrand@lumline-labs.no, t-66185
Belmoor Software, infra@belmoor.de, t-58001
Bromark BV, cto@bromark-bv.nl, t-13153
Tarngate Oy, wfornell@tarngate-oy.com.au, t-17407
Yelforge Freight, secops@yelforge-freight.io, t-48327
Ravforge Finance, ulla.zanetti@ravforge-finance.dk, t-86306
Kesbrook Systems, cto@kesbrook.ca, t-84533
Ulvridge Retail, wpellinor@ulvridge-retail.com, t-49266
Fenhaven Freight, security@fenhaven.sg, t-84468
Elmbay Logistics, eellstad@elmbay.no, t-20485
Calridge Oy, sholmgard@calridge.be, t-09115
Ashline GmbH, it-admin@ashline-gmbh.dk, t-65850
*/

func Migrate() {}
