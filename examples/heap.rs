//! Peak heap of one `scn run` of a file: `cargo run --release --example heap -- FILE`;
//! `-- --parts`: what the state of a 10,000-pod set holds, part by part (`-- --parts claims`:
//! with a Service and a claim per pod, the claims shape); `-- --sizes`:
//! the inline sizes of the types a pod is made of.
//! A counting allocator over the system one (not mimalloc), so the figure is the
//! simulation's own live bytes at their highest, not the allocator's reserve.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> f64 {
    LIVE.load(Ordering::Relaxed) as f64 / 1048576.0
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--sizes") {
        return sizes();
    }
    if std::env::args().nth(1).as_deref() == Some("--parts") {
        return parts();
    }
    let path = PathBuf::from(std::env::args().nth(1).expect("a .scn file"));
    let name = path.display().to_string();
    let outcomes = kscn::runner::run(
        &[(path, name)],
        &kscn::runner::RunOptions {
            jobs: 1,
            ..Default::default()
        },
    );
    let passed = outcomes[0]
        .result
        .as_ref()
        .is_ok_and(|r| r.iter().all(|r| r.status == kscn::runner::Status::Passed));
    println!(
        "peak heap {:.1} MiB, passed: {passed}",
        PEAK.load(Ordering::Relaxed) as f64 / 1048576.0
    );
}

/// What the state of a 10,000-pod set holds, part by part.
fn parts() {
    use kscn::sim::{Config, World};
    let mut world = World::new(Config {
        nodes: 100,
        ..Default::default()
    })
    .expect("a cluster");
    // `--parts claims`: the set has a Service and a claim per pod (the claims shape).
    let claims = std::env::args().nth(2).as_deref() == Some("claims");
    let yaml = if claims {
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec:\n  serviceName: web\n  replicas: 10000\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: nginx, image: nginx:1.9.1, volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]}]\n  volumeClaimTemplates:\n  - metadata: {name: www}\n    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n"
    } else {
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec:\n  replicas: 10000\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: nginx, image: nginx:1.9.1}]\n"
    };
    if claims {
        let service = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  clusterIP: None\n  selector: {app: web}\n  ports: [{port: 80, name: web}]\n";
        let doc: serde_json::Value = serde_yaml::from_str(service).unwrap();
        let _ = kscn::kubectl::client::apply(&mut world, &doc, "x");
    }
    let doc: serde_json::Value = serde_yaml::from_str(yaml).unwrap();
    let _ = kscn::kubectl::client::apply(&mut world, &doc, "x");
    while world.step().unwrap() {}
    println!("all: {:.1} MiB, pods {}", live(), world.store.pods().len());
    let before = live();
    drop(std::mem::take(&mut world.events));
    println!("events: {:.1} MiB", before - live());
    let before = live();
    drop(std::mem::take(&mut world.pod_log));
    println!("pod_log: {:.1} MiB", before - live());
    let before = live();
    drop(std::mem::take(&mut world.kubelet));
    println!("kubelet: {:.1} MiB", before - live());
    let before = live();
    drop(std::mem::take(&mut world.scheduler));
    println!("scheduler: {:.1} MiB", before - live());
    let before = live();
    drop(std::mem::take(&mut world.statefulset_index));
    println!("statefulset index: {:.1} MiB", before - live());
    let before = live();
    drop(std::mem::take(&mut world.volume_controller));
    println!("volume controller: {:.1} MiB", before - live());
    let before = live();
    drop(std::mem::take(&mut world.garbage_collector));
    println!("garbage collector: {:.1} MiB", before - live());
    let before = live();
    drop(std::mem::take(&mut world.endpointslice));
    println!("endpointslice: {:.1} MiB", before - live());
    let before = live();
    drop(std::mem::take(&mut world.store));
    println!("store: {:.1} MiB", before - live());
    println!("left: {:.1} MiB", live());
}

/// The inline sizes of the k8s-openapi types a pod is made of.
fn sizes() {
    use k8s_openapi::api::core::v1::*;
    println!(
        "Pod {} PodSpec {} PodStatus {} Container {} Volume {} VolumeProjection {} ContainerStatus {} ObjectMeta {} PersistentVolumeClaim {} PersistentVolume {} PersistentVolumeSpec {}",
        std::mem::size_of::<Pod>(),
        std::mem::size_of::<PodSpec>(),
        std::mem::size_of::<PodStatus>(),
        std::mem::size_of::<Container>(),
        std::mem::size_of::<Volume>(),
        std::mem::size_of::<VolumeProjection>(),
        std::mem::size_of::<ContainerStatus>(),
        std::mem::size_of::<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>(),
        std::mem::size_of::<PersistentVolumeClaim>(),
        std::mem::size_of::<PersistentVolume>(),
        std::mem::size_of::<PersistentVolumeSpec>(),
    );
}
