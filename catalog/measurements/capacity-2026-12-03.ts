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
      "start": 11.65,
      "end": 13.56
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
          "windowSeconds": 46.57698476200001,
          "cpuCores": {
            "main": 0.005582156108398882,
            "typing": 0.006226251043983368,
            "to-device": 0.004508664549091404,
            "account-data": 0.0047233628609529,
            "receipts": 0.00665564766770636,
            "presence": 0.006870345979567855,
            "push-rules": 0.004508664549091404,
            "device-lists": 0.0047233628609529,
            "thread-subscriptions": 0.0047233628609529,
            "media-repository": 0.004508664549091404,
            "user-directory": 0.0047233628609529,
            "initial-sync": 0.004938061172814396,
            "synchrotron": 0.026837288982686933,
            "room-messages": 0.004293966237229909,
            "event-creator": 0.006870345979567855,
            "client-reader": 0.004293966237229909,
            "federation-inbound": 0.004938061172814396,
            "federation-reader": 0.004079267925368414,
            "event-persister": 0.006226251043983368,
            "federation-sender": 0.005152759484675891,
            "pusher": 0.004079267925368414,
            "appservice": 0.004079267925368414,
            "background": 0.005367457796537386,
            "postgres": 0.017819959884504123,
            "redis": 0.0021469831186149545,
            "s3": 0.00021469831186149546,
            "haproxy": 0.0030057763660609367
          },
          "peakMemoryMi": {
            "main": 88.9951171875,
            "typing": 87.6171875,
            "to-device": 87.322265625,
            "account-data": 87.384765625,
            "receipts": 87.8271484375,
            "presence": 88.349609375,
            "push-rules": 87.3251953125,
            "device-lists": 87.71484375,
            "thread-subscriptions": 87.306640625,
            "media-repository": 96.466796875,
            "user-directory": 88.10546875,
            "initial-sync": 91.2138671875,
            "synchrotron": 91.740234375,
            "room-messages": 87.203125,
            "event-creator": 90.0869140625,
            "client-reader": 89.388671875,
            "federation-inbound": 87.1162109375,
            "federation-reader": 87.08203125,
            "event-persister": 89.1171875,
            "federation-sender": 87.9599609375,
            "pusher": 87.0869140625,
            "appservice": 87.28515625,
            "background": 88.27734375,
            "postgres": 349.6455078125,
            "redis": 5.8603515625,
            "s3": 64.08203125,
            "haproxy": 10.4736328125
          },
          "postgresConnections": 136,
          "haproxyRps": {
            "typing": 0.19322848067534593,
            "receipts": 0.08587932474459818,
            "initial-sync": 0.04293966237229909,
            "synchrotron": 2.984306534874787,
            "event-creator": 0.08587932474459818
          },
          "delivery": {
            "samples": 36,
            "p50": 4694.107316999987,
            "p95": 16765.380162999994,
            "p99": 20541.982688999997
          },
          "send": {
            "p50": 2460.883065000002,
            "p99": 3338.3425969999807
          },
          "undelivered": 0,
          "actions": {
            "message": {
              "ok": 4,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 6,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 9,
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
            "ok": 131,
            "failed": 0,
            "initial": 2
          }
        },
        {
          "users": 30,
          "windowSeconds": 46.038530235999964,
          "cpuCores": {
            "main": 0.008253955937604147,
            "typing": 0.008253955937604147,
            "to-device": 0.005213024802697357,
            "account-data": 0.005430234169476413,
            "receipts": 0.014118608840638674,
            "presence": 0.012163724539627167,
            "push-rules": 0.005430234169476413,
            "device-lists": 0.005430234169476413,
            "thread-subscriptions": 0.0049958154359183,
            "media-repository": 0.00564744353625547,
            "user-directory": 0.006299071636592639,
            "initial-sync": 0.006950699736929809,
            "synchrotron": 0.11751026742746959,
            "room-messages": 0.0049958154359183,
            "event-creator": 0.013466980740301504,
            "client-reader": 0.005213024802697357,
            "federation-inbound": 0.005213024802697357,
            "federation-reader": 0.0049958154359183,
            "event-persister": 0.011512096439289996,
            "federation-sender": 0.007819537204046035,
            "pusher": 0.004561396702360187,
            "appservice": 0.0049958154359183,
            "background": 0.007602327837266978,
            "postgres": 0.0794986282411347,
            "redis": 0.002823721768127735,
            "s3": 0.00021720936677905654,
            "haproxy": 0.006299071636592639
          },
          "peakMemoryMi": {
            "main": 89.5947265625,
            "typing": 88.10546875,
            "to-device": 87.6279296875,
            "account-data": 87.705078125,
            "receipts": 88.7607421875,
            "presence": 90.212890625,
            "push-rules": 87.6572265625,
            "device-lists": 88.2138671875,
            "thread-subscriptions": 87.626953125,
            "media-repository": 96.814453125,
            "user-directory": 89.5703125,
            "initial-sync": 100.7392578125,
            "synchrotron": 100.3115234375,
            "room-messages": 87.5439453125,
            "event-creator": 94.224609375,
            "client-reader": 90.8662109375,
            "federation-inbound": 87.4521484375,
            "federation-reader": 87.4423828125,
            "event-persister": 91.875,
            "federation-sender": 90.1044921875,
            "pusher": 87.423828125,
            "appservice": 87.6806640625,
            "background": 90.1533203125,
            "postgres": 398.3896484375,
            "redis": 6.1083984375,
            "s3": 64.0927734375,
            "haproxy": 11.7158203125
          },
          "postgresConnections": 141,
          "haproxyRps": {
            "typing": 0.4126977968802074,
            "receipts": 0.43441873355811306,
            "presence": 0.02172093667790565,
            "initial-sync": 0.15204655674533957,
            "synchrotron": 12.272329223016694,
            "event-creator": 0.30409311349067913
          },
          "delivery": {
            "samples": 275,
            "p50": 5185.225616000011,
            "p95": 13217.926159000024,
            "p99": 23048.890613000025
          },
          "send": {
            "p50": 2456.1317500000005,
            "p99": 3649.3333599999896
          },
          "undelivered": 0,
          "actions": {
            "message": {
              "ok": 13,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 20,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 20,
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
              "ok": 4,
              "failed": 0,
              "dropped": 0
            }
          },
          "syncs": {
            "ok": 558,
            "failed": 0,
            "initial": 6
          }
        },
        {
          "users": 80,
          "windowSeconds": 53.26660006099998,
          "cpuCores": {
            "main": 0.01257823850654496,
            "typing": 0.01614520166511741,
            "to-device": 0.006758456510979381,
            "account-data": 0.006946191414062141,
            "receipts": 0.02553194681925544,
            "presence": 0.020838574242186426,
            "push-rules": 0.006946191414062141,
            "device-lists": 0.006758456510979381,
            "thread-subscriptions": 0.006758456510979381,
            "media-repository": 0.009949949863386312,
            "user-directory": 0.009199010251055269,
            "initial-sync": 0.007884865929475944,
            "synchrotron": 0.14981245266004295,
            "room-messages": 0.00657072160789662,
            "event-creator": 0.020087634629855383,
            "client-reader": 0.006758456510979381,
            "federation-inbound": 0.007133926317144903,
            "federation-reader": 0.00657072160789662,
            "event-persister": 0.017271611083613976,
            "federation-sender": 0.011639563991131157,
            "pusher": 0.00638298670481386,
            "appservice": 0.00657072160789662,
            "background": 0.011639563991131157,
            "postgres": 0.1338549858980083,
            "redis": 0.0035669631585724514,
            "s3": 0.0001877349030827606,
            "haproxy": 0.004505637673986254
          },
          "peakMemoryMi": {
            "main": 90.310546875,
            "typing": 88.921875,
            "to-device": 88.1064453125,
            "account-data": 88.18359375,
            "receipts": 90.5791015625,
            "presence": 94.451171875,
            "push-rules": 88.12890625,
            "device-lists": 88.8115234375,
            "thread-subscriptions": 88.1181640625,
            "media-repository": 112.4892578125,
            "user-directory": 92.798828125,
            "initial-sync": 122.5859375,
            "synchrotron": 113.0087890625,
            "room-messages": 88.0302734375,
            "event-creator": 105.1005859375,
            "client-reader": 93.111328125,
            "federation-inbound": 87.9296875,
            "federation-reader": 87.89453125,
            "event-persister": 97.6708984375,
            "federation-sender": 94.263671875,
            "pusher": 87.833984375,
            "appservice": 88.1640625,
            "background": 94.1298828125,
            "postgres": 450.3427734375,
            "redis": 5.2880859375,
            "s3": 60.8173828125,
            "haproxy": 11.64453125
          },
          "postgresConnections": 150,
          "haproxyRps": {
            "typing": 1.0888624378800114,
            "receipts": 1.0137684766469073,
            "presence": 0.13141443215793241,
            "media-repository": 0.018773490308276058,
            "initial-sync": 0.05632047092482818,
            "synchrotron": 4.449317203061426,
            "event-creator": 0.4505637673986254
          },
          "delivery": {
            "samples": 744,
            "p50": 22254.90422200004,
            "p95": 29979.08940200007,
            "p99": 44013.37618599995
          },
          "send": {
            "p50": 6232.882201,
            "p99": 18879.19928599999
          },
          "undelivered": 16,
          "actions": {
            "message": {
              "ok": 26,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 65,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 62,
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
              "ok": 14,
              "failed": 0,
              "dropped": 0
            }
          },
          "syncs": {
            "ok": 240,
            "failed": 0,
            "initial": 3
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
          "windowSeconds": 45.14029720000003,
          "cpuCores": {
            "main": 0.0631364917110027,
            "postgres": 0.0217100918865904,
            "redis": 0.0017722523989053389,
            "s3": 0.00022153154986316736,
            "haproxy": 0.0019937839487685063
          },
          "peakMemoryMi": {
            "main": 115.8544921875,
            "postgres": 97.7744140625,
            "redis": 4.376953125,
            "s3": 63.3623046875,
            "haproxy": 7.1923828125
          },
          "postgresConnections": 11,
          "haproxyRps": {
            "main": 6.424414946031853
          },
          "delivery": {
            "samples": 45,
            "p50": 702.8954209999647,
            "p95": 973.7044130000286,
            "p99": 1995.373021999956
          },
          "send": {
            "p50": 539.4679300000425,
            "p99": 681.8030619999627
          },
          "undelivered": 0,
          "actions": {
            "message": {
              "ok": 5,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 5,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 6,
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
            "ok": 264,
            "failed": 0,
            "initial": 3
          }
        },
        {
          "users": 30,
          "windowSeconds": 44.91773545699997,
          "cpuCores": {
            "main": 0.3110130076208666,
            "postgres": 0.09484004384143818,
            "redis": 0.0017810336871631586,
            "s3": 0.00044525842179078966,
            "haproxy": 0.010908831333874346
          },
          "peakMemoryMi": {
            "main": 150.3701171875,
            "postgres": 121.80078125,
            "redis": 5.9501953125,
            "s3": 67.1650390625,
            "haproxy": 9.8046875
          },
          "postgresConnections": 11,
          "haproxyRps": {
            "main": 36.55571642902383
          },
          "delivery": {
            "samples": 303,
            "p50": 795.2677740000654,
            "p95": 5408.807387999957,
            "p99": 10834.240324000013
          },
          "send": {
            "p50": 464.902780000004,
            "p99": 3545.3482289999956
          },
          "undelivered": 0,
          "actions": {
            "message": {
              "ok": 13,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 21,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 21,
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
              "ok": 4,
              "failed": 0,
              "dropped": 0
            }
          },
          "syncs": {
            "ok": 1594,
            "failed": 0,
            "initial": 12
          }
        },
        {
          "users": 80,
          "windowSeconds": 44.69506013999996,
          "cpuCores": {
            "main": 0.5186255467023076,
            "postgres": 0.25394305241894705,
            "redis": 0.0020136453495775536,
            "s3": 0.00022373837217528375,
            "haproxy": 0.009620750003537201
          },
          "peakMemoryMi": {
            "main": 204.4912109375,
            "postgres": 141.04296875,
            "redis": 6.3037109375,
            "s3": 67.2138671875,
            "haproxy": 10.6943359375
          },
          "postgresConnections": 11,
          "haproxyRps": {
            "main": 37.4538035021425
          },
          "delivery": {
            "samples": 1011,
            "p50": 4021.1009860001504,
            "p95": 5748.27390099992,
            "p99": 9249.662360999966
          },
          "send": {
            "p50": 2146.566984999925,
            "p99": 4567.523637000006
          },
          "undelivered": 12,
          "actions": {
            "message": {
              "ok": 25,
              "failed": 0,
              "dropped": 0
            },
            "receipt": {
              "ok": 60,
              "failed": 0,
              "dropped": 0
            },
            "typing": {
              "ok": 62,
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
            "ok": 1469,
            "failed": 0,
            "initial": 12
          }
        }
      ]
    }
  }
};
