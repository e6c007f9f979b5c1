"""An independent Asterisk Manager client, panoramisk (MIT, from PyPI), pointed at TollGuard's
fake Asterisk: it logs in, waits for the call events the test sends, lists the channels up, hangs
one up, and prints what it received as one JSON object on stdout.

Used by Tests/TollGuardLiveTests/AsteriskManagerTests.swift to show the fake speaks AMI as a
client written by others expects.
"""
import argparse
import asyncio
import json
import sys

from panoramisk import Manager

CALL_EVENTS = {"Newchannel", "Newstate", "Hangup", "Cdr"}


async def main(arguments):
    loop = asyncio.get_running_loop()
    events = []
    enough = loop.create_future()

    def heard(manager, message):
        if message.get("Event") in CALL_EVENTS:
            events.append({key: str(value) for key, value in message.items() if key != "content"})
            if len(events) >= arguments.events and not enough.done():
                enough.set_result(True)

    manager = Manager(
        loop=loop, host="127.0.0.1", port=arguments.port, username=arguments.username,
        secret=arguments.secret, events="call,cdr,system", ping_delay=600, ping_interval=600)
    manager.register_event("*", heard)
    await manager.connect()
    while manager.authenticated_future is not None:
        await asyncio.sleep(0.01)
    print("logged in" if manager.authenticated else "login refused", file=sys.stderr, flush=True)
    if not manager.authenticated:
        return 1
    # Generous: on a loaded CI machine the whole suite shares two cores.
    await asyncio.wait_for(enough, 240)
    listed = await manager.send_action({"Action": "CoreShowChannels"})
    channels = [dict(item) for item in listed if item.get("Event") == "CoreShowChannel"]
    hangup = await manager.send_action({"Action": "Hangup", "Channel": arguments.hang_up, "Cause": "21"})
    print(json.dumps({
        "events": events,
        "channels": [item.get("Uniqueid") for item in channels],
        "hangup": {"Response": hangup.get("Response"), "Message": hangup.get("Message")},
    }), flush=True)
    manager.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--events", type=int, required=True, help="call events to wait for")
    parser.add_argument("--hang-up", required=True, help="channel to hang up at the end")
    sys.exit(asyncio.run(main(parser.parse_args())))
