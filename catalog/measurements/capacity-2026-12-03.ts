/** Written by `npm run bench:capacity -- --levels 10,30,80 --seconds 45 --warmup 10 --write`; do not edit by hand (re-run the command). */
import type { CapacityMeasurement } from "../capacity";

export const CAPACITY_2026_12_03: CapacityMeasurement = {
  "date": "2026-12-03",
  "command": "npm run bench:capacity -- --levels 10,30,80 --seconds 45 --warmup 10 --write",
  "machine": {
    "cores": 2,
    "cpuModel": "AMD EPYC",
    "memoryGi": 24,
    "loadAverage": {
      "start": 0.5,
      "end": 4.75
    }
  },
  "synapseVersion": "1.163.2",
  "activity": {
    "syncTimeoutSeconds": 30,
    "messagesPerMinute": 0.5,
    "receiptsPerMinute": 1,
    "typingPerMinute": 1,
    "presencePerMinute": 0.1,
    "joinsPerMinute": 0.02,
    "uploadsPerMinute": 0.02,
    "downloadsPerMinute": 0.2,
    "uploadKiB": 256,
    "initialSyncShare": 0.01,
    "roomsPerUser": 0.5,
    "largeRoomMembershipShare": 0.8,
    "roomsJoinedPerUser": 8,
    "federatedUserShare": 0.1
  },
  "warmupSeconds": 10,
  "topologies": {
    "workers": {
      "processes": {
        "main": 1,
        "typing": 1,
        "to-device": 1,
        "account-data": 1,
        "receipts": 1,
        "presence": 1,
        "push-rules": 1,
        "device-lists": 1,
        "thread-subscriptions": 1,
        "media-repository": 1,
        "user-directory": 1,
        "initial-sync": 1,
        "synchrotron": 1,
        "room-messages": 1,
        "event-creator": 1,
        "client-reader": 1,
        "federation-inbound": 1,
        "federation-reader": 1,
        "event-persister": 1,
        "federation-sender": 1,
        "pusher": 1,
        "appservice": 1,
        "background": 1,
        "postgres": 1,
        "redis": 1,
        "s3": 1,
        "haproxy": 1
      },
      "levels": [
        {
          "users": 10,
          "windowSeconds": 44.84031453800001,
          "cpuCores": {
            "main": 0.006021367217912533,
            "typing": 0.006021367217912533,
            "to-device": 0.004683285613931969,
            "account-data": 0.0051293128152588244,
            "receipts": 0.006690408019902814,
            "presence": 0.005575340016585678,
            "push-rules": 0.004683285613931969,
            "device-lists": 0.0051293128152588244,
            "thread-subscriptions": 0.004460272013268543,
            "media-repository": 0.004906299214595397,
            "user-directory": 0.004906299214595397,
            "initial-sync": 0.004906299214595397,
            "synchrotron": 0.042149570525387724,
            "room-messages": 0.004906299214595397,
            "event-creator": 0.006913421620566241,
            "client-reader": 0.004460272013268543,
            "federation-inbound": 0.004460272013268543,
            "federation-reader": 0.004237258412605116,
            "event-persister": 0.00624438081857596,
            "federation-sender": 0.0051293128152588244,
            "pusher": 0.004237258412605116,
            "appservice": 0.004237258412605116,
            "background": 0.00624438081857596,
            "postgres": 0.022078346465679285,
            "redis": 0.0024531496072976986,
            "s3": 0.00022301360066342713,
            "haproxy": 0.0037912312112782618
          },
          "peakMemoryMi": {
            "main": 88.900390625,
            "typing": 87.6328125,
            "to-device": 87.35546875,
            "account-data": 87.4169921875,
            "receipts": 88.025390625,
            "presence": 88.400390625,
            "push-rules": 87.3974609375,
            "device-lists": 87.8818359375,
            "thread-subscriptions": 87.33984375,
            "media-repository": 96.4326171875,
            "user-directory": 88.1015625,
            "initial-sync": 91.1396484375,
            "synchrotron": 92.4658203125,
            "room-messages": 87.236328125,
            "event-creator": 90.1474609375,
            "client-reader": 89.3896484375,
            "federation-inbound": 87.14453125,
            "federation-reader": 87.1328125,
            "event-persister": 89.1328125,
            "federation-sender": 88.107421875,
            "pusher": 87.1064453125,
            "appservice": 87.3330078125,
            "background": 88.2958984375,
            "postgres": 353.49609375,
            "redis": 5.9013671875,
            "s3": 64.15234375,
            "haproxy": 10.927734375
          },
          "postgresConnections": 138,
          "haproxyRps": {
            "typing": 0.156109520464399,
            "receipts": 0.08920544026537085,
            "initial-sync": 0.044602720132685424,
            "synchrotron": 5.597641376652021,
            "event-creator": 0.08920544026537085
          },
          "delivery": {
            "samples": 36,
            "p50": 417.29303100000834,
            "p95": 473.7544809999963,
            "p99": 479.38714900000195
          },
          "send": {
            "p50": 122.66349700000137,
            "p99": 464.2935819999984
          },
          "undelivered": 0,
          "actions": {
            "message": {
              "ok": 4,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 4,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 7,
              "failed": 0,
              "dropped": 0
            },
            "presence": {
              "ok": 0,
              "failed": 0,
              "dropped": 0
            },
            "join": {
              "ok": 0,
              "failed": 0,
              "dropped": 0
            },
            "upload": {
              "ok": 0,
              "failed": 0,
              "dropped": 0
            },
            "download": {
              "ok": 1,
              "failed": 0,
              "dropped": 0
            }
          },
          "syncs": {
            "ok": 243,
            "failed": 0,
            "initial": 2
          }
        },
        {
          "users": 30,
          "windowSeconds": 44.99366066700002,
          "cpuCores": {
            "main": 0.008890141279244134,
            "typing": 0.00933464834320634,
            "to-device": 0.00600084536348979,
            "account-data": 0.00600084536348979,
            "receipts": 0.012890704854903992,
            "presence": 0.012223944258960683,
            "push-rules": 0.00600084536348979,
            "device-lists": 0.0062230988954708934,
            "thread-subscriptions": 0.005556338299527583,
            "media-repository": 0.00600084536348979,
            "user-directory": 0.007112113023395306,
            "initial-sync": 0.009112394811225236,
            "synchrotron": 0.2195864895973301,
            "room-messages": 0.00600084536348979,
            "event-creator": 0.012446197790941787,
            "client-reader": 0.005778591831508687,
            "federation-inbound": 0.005556338299527583,
            "federation-reader": 0.005556338299527583,
            "event-persister": 0.011112676599055167,
            "federation-sender": 0.0077788736193386155,
            "pusher": 0.005111831235565377,
            "appservice": 0.00533408476754648,
            "background": 0.008223380683300823,
            "postgres": 0.08912366632442242,
            "redis": 0.00333380297971655,
            "s3": 0.00022225353198110332,
            "haproxy": 0.012223944258960683
          },
          "peakMemoryMi": {
            "main": 89.6162109375,
            "typing": 88.09765625,
            "to-device": 87.62109375,
            "account-data": 87.6982421875,
            "receipts": 88.779296875,
            "presence": 90.2958984375,
            "push-rules": 87.6904296875,
            "device-lists": 88.2802734375,
            "thread-subscriptions": 87.6357421875,
            "media-repository": 96.75390625,
            "user-directory": 89.5673828125,
            "initial-sync": 100.5810546875,
            "synchrotron": 106.986328125,
            "room-messages": 87.560546875,
            "event-creator": 94.29296875,
            "client-reader": 90.9169921875,
            "federation-inbound": 87.447265625,
            "federation-reader": 87.45703125,
            "event-persister": 91.8642578125,
            "federation-sender": 89.990234375,
            "pusher": 87.4189453125,
            "appservice": 87.697265625,
            "background": 90.166015625,
            "postgres": 410.6708984375,
            "redis": 6.220703125,
            "s3": 64.150390625,
            "haproxy": 12
          },
          "postgresConnections": 140,
          "haproxyRps": {
            "typing": 0.5556338299527583,
            "receipts": 0.37783100436787564,
            "presence": 0.022225353198110333,
            "initial-sync": 0.266704238377324,
            "synchrotron": 36.538480657693384,
            "event-creator": 0.24447888517921365
          },
          "delivery": {
            "samples": 218,
            "p50": 418.116022000002,
            "p95": 725.4387069999939,
            "p99": 730.3020789999864
          },
          "send": {
            "p50": 96.05687000000034,
            "p99": 203.22760600000038
          },
          "undelivered": 0,
          "actions": {
            "message": {
              "ok": 10,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 17,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 25,
              "failed": 0,
              "dropped": 0
            },
            "presence": {
              "ok": 1,
              "failed": 0,
              "dropped": 0
            },
            "join": {
              "ok": 1,
              "failed": 0,
              "dropped": 0
            },
            "upload": {
              "ok": 0,
              "failed": 0,
              "dropped": 0
            },
            "download": {
              "ok": 6,
              "failed": 0,
              "dropped": 0
            }
          },
          "syncs": {
            "ok": 1663,
            "failed": 0,
            "initial": 12
          }
        },
        {
          "users": 80,
          "windowSeconds": 45.18953258900001,
          "cpuCores": {
            "main": 0.01593289327748572,
            "typing": 0.017481924568352385,
            "to-device": 0.007745156454333334,
            "account-data": 0.007745156454333334,
            "receipts": 0.03385739821465715,
            "presence": 0.024120630100638103,
            "push-rules": 0.007523866269923811,
            "device-lists": 0.007745156454333334,
            "thread-subscriptions": 0.007745156454333334,
            "media-repository": 0.011949669958114289,
            "user-directory": 0.01040063866724762,
            "initial-sync": 0.01615418346189524,
            "synchrotron": 0.7428711490627716,
            "room-messages": 0.007523866269923811,
            "event-creator": 0.027218692682371433,
            "client-reader": 0.007745156454333334,
            "federation-inbound": 0.007523866269923811,
            "federation-reader": 0.007302576085514287,
            "event-persister": 0.021022567518904765,
            "federation-sender": 0.014162571802209527,
            "pusher": 0.007302576085514287,
            "appservice": 0.007523866269923811,
            "background": 0.013056120880161906,
            "postgres": 0.370882349070362,
            "redis": 0.004647093872600001,
            "s3": 0.00022129018440952386,
            "haproxy": 0.023899339916228578
          },
          "peakMemoryMi": {
            "main": 90.4609375,
            "typing": 88.849609375,
            "to-device": 88.0947265625,
            "account-data": 88.1806640625,
            "receipts": 90.2919921875,
            "presence": 94.296875,
            "push-rules": 88.1689453125,
            "device-lists": 88.89453125,
            "thread-subscriptions": 88.1220703125,
            "media-repository": 112.927734375,
            "user-directory": 92.912109375,
            "initial-sync": 122.95703125,
            "synchrotron": 141,
            "room-messages": 88.03515625,
            "event-creator": 105.462890625,
            "client-reader": 93.2890625,
            "federation-inbound": 87.9130859375,
            "federation-reader": 87.9306640625,
            "event-persister": 98.029296875,
            "federation-sender": 94.2529296875,
            "pusher": 87.845703125,
            "appservice": 88.16796875,
            "background": 94.2138671875,
            "postgres": 449.591796875,
            "redis": 6.671875,
            "s3": 64.1767578125,
            "haproxy": 14.029296875
          },
          "postgresConnections": 148,
          "haproxyRps": {
            "typing": 1.261354051134286,
            "receipts": 1.3941281617800003,
            "presence": 0.1770321475276191,
            "media-repository": 0.08851607376380954,
            "initial-sync": 0.6196125163466668,
            "synchrotron": 96.96935880825335,
            "event-creator": 0.6417415347876192
          },
          "delivery": {
            "samples": 1199,
            "p50": 1724.6483199999784,
            "p95": 4068.0067520000157,
            "p99": 5793.521497000009
          },
          "send": {
            "p50": 358.7852739999653,
            "p99": 1269.6627050000243
          },
          "undelivered": 0,
          "actions": {
            "message": {
              "ok": 28,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 63,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 58,
              "failed": 0,
              "dropped": 0
            },
            "presence": {
              "ok": 8,
              "failed": 0,
              "dropped": 0
            },
            "join": {
              "ok": 1,
              "failed": 0,
              "dropped": 0
            },
            "upload": {
              "ok": 1,
              "failed": 0,
              "dropped": 0
            },
            "download": {
              "ok": 12,
              "failed": 0,
              "dropped": 0
            }
          },
          "syncs": {
            "ok": 4467,
            "failed": 0,
            "initial": 28
          }
        }
      ]
    },
    "main-only": {
      "processes": {
        "main": 1,
        "postgres": 1,
        "redis": 1,
        "s3": 1,
        "haproxy": 1
      },
      "levels": [
        {
          "users": 10,
          "windowSeconds": 44.996885378999984,
          "cpuCores": {
            "main": 0.06689351884352344,
            "postgres": 0.01644558270571673,
            "redis": 0.002000138437181764,
            "s3": 0.00022223760413130712,
            "haproxy": 0.0024446136454443785
          },
          "peakMemoryMi": {
            "main": 129.833984375,
            "postgres": 107.357421875,
            "redis": 6.0634765625,
            "s3": 69.1298828125,
            "haproxy": 10.1865234375
          },
          "postgresConnections": 11,
          "haproxyRps": {
            "main": 9.533993217233075
          },
          "delivery": {
            "samples": 36,
            "p50": 165.23106700001517,
            "p95": 199.93204699998023,
            "p99": 205.64116899995133
          },
          "send": {
            "p50": 84.46487200004049,
            "p99": 88.95347199996468
          },
          "undelivered": 0,
          "actions": {
            "message": {
              "ok": 4,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 4,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 11,
              "failed": 0,
              "dropped": 0
            },
            "presence": {
              "ok": 0,
              "failed": 0,
              "dropped": 0
            },
            "join": {
              "ok": 0,
              "failed": 0,
              "dropped": 0
            },
            "upload": {
              "ok": 0,
              "failed": 0,
              "dropped": 0
            },
            "download": {
              "ok": 1,
              "failed": 0,
              "dropped": 0
            }
          },
          "syncs": {
            "ok": 409,
            "failed": 0,
            "initial": 6
          }
        },
        {
          "users": 30,
          "windowSeconds": 44.95897257099999,
          "cpuCores": {
            "main": 0.3251853671013465,
            "postgres": 0.08785787962040484,
            "redis": 0.002446675128669502,
            "s3": 0.00022242501169722744,
            "haproxy": 0.011566100608255827
          },
          "peakMemoryMi": {
            "main": 156.044921875,
            "postgres": 121.869140625,
            "redis": 6.1640625,
            "s3": 69.1298828125,
            "haproxy": 10.6279296875
          },
          "postgresConnections": 11,
          "haproxyRps": {
            "main": 51.22448019387148
          },
          "delivery": {
            "samples": 232,
            "p50": 372.37164500006475,
            "p95": 589.012330000056,
            "p99": 649.5253100000555
          },
          "send": {
            "p50": 117.01905100001022,
            "p99": 584.359541999991
          },
          "undelivered": 0,
          "actions": {
            "message": {
              "ok": 12,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 21,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 24,
              "failed": 0,
              "dropped": 0
            },
            "presence": {
              "ok": 1,
              "failed": 0,
              "dropped": 0
            },
            "join": {
              "ok": 1,
              "failed": 0,
              "dropped": 0
            },
            "upload": {
              "ok": 0,
              "failed": 0,
              "dropped": 0
            },
            "download": {
              "ok": 5,
              "failed": 0,
              "dropped": 0
            }
          },
          "syncs": {
            "ok": 2227,
            "failed": 0,
            "initial": 21
          }
        },
        {
          "users": 80,
          "windowSeconds": 44.974442939000085,
          "cpuCores": {
            "main": 0.8929515826237129,
            "postgres": 0.4055636670083796,
            "redis": 0.0020011365148439784,
            "s3": 0.00022234850164933094,
            "haproxy": 0.018010228633595807
          },
          "peakMemoryMi": {
            "main": 223.5234375,
            "postgres": 134.4384765625,
            "redis": 6.515625,
            "s3": 69.1640625,
            "haproxy": 11.4013671875
          },
          "postgresConnections": 11,
          "haproxyRps": {
            "main": 88.98387036006224
          },
          "delivery": {
            "samples": 1528,
            "p50": 5260.81298399996,
            "p95": 7755.128885999904,
            "p99": 10692.871607000008
          },
          "send": {
            "p50": 3932.380155999912,
            "p99": 6795.651715999935
          },
          "undelivered": 0,
          "actions": {
            "message": {
              "ok": 32,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 68,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 58,
              "failed": 0,
              "dropped": 0
            },
            "presence": {
              "ok": 9,
              "failed": 0,
              "dropped": 0
            },
            "join": {
              "ok": 1,
              "failed": 0,
              "dropped": 0
            },
            "upload": {
              "ok": 1,
              "failed": 0,
              "dropped": 0
            },
            "download": {
              "ok": 13,
              "failed": 0,
              "dropped": 0
            }
          },
          "syncs": {
            "ok": 3841,
            "failed": 0,
            "initial": 30
          }
        }
      ]
    }
  }
};
